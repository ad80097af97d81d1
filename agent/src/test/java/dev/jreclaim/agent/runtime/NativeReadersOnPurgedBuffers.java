package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.instrumentation.api.PurgedBufferException;
import dev.jreclaim.instrumentation.api.PurgedMemoryError;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.zip.Adler32;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;
import java.util.zip.Checksum;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * A child program (NativeAccessGuardIT), run with the agent and an {@code on-purge=throw} rule: for each JDK path
 * whose native code, intrinsic stub or system call reads or writes a direct buffer, a buffer of the rule, marked,
 * then once intact (the call must give the plain JDK's answer) and once purged but its first page (the call must throw the
 * documented exception, never crash the JVM nor run). Prints one line per case,
 * {@code CASE: intact ok, purged <exception class>: <message>}; exits 1 on the first wrong answer.
 */
public final class NativeReadersOnPurgedBuffers {
    static final int SIZE = 256 << 10;

    private NativeReadersOnPurgedBuffers() {}

    interface Op {
        /** Runs the path on {@code b}, returns its answer (compared with the answer on a heap copy). */
        Object run(ByteBuffer b) throws Exception;
    }

    static byte value(int i) {
        return (byte) (i * 7 + i / 4096);
    }

    static ByteBuffer filled(ByteBuffer b) {
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, value(i));
        }
        return b;
    }

    public static void main(String[] args) throws Exception {
        ReclaimRuntime runtime = ReclaimRuntime.current();
        if (runtime == null) {
            System.out.println("no agent");
            System.exit(2);
        }
        Path file = Files.createTempFile("jreclaim-guard-", ".bin");
        byte[] compressed = compress(filled(ByteBuffer.allocate(SIZE)));
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            check(runtime, "CRC32.update", b -> checksum(new CRC32(), b));
            check(runtime, "CRC32C.update", b -> checksum(new CRC32C(), b));
            check(runtime, "Adler32.update", b -> checksum(new Adler32(), b));
            check(runtime, "Deflater.setInput+deflate", b -> {
                Deflater d = new Deflater();
                d.setInput(b);
                d.finish();
                byte[] out = new byte[SIZE * 2];
                int n = d.deflate(out);
                d.end();
                return n;
            });
            check(runtime, "Inflater.inflate into", b -> {
                Inflater inf = new Inflater();
                inf.setInput(compressed);
                int n = inf.inflate(b);
                inf.end();
                long sum = 0;
                for (int i = 0; i < n; i++) {
                    sum += b.get(i);
                }
                return n + "/" + sum;
            });
            check(runtime, "MemorySegment.mismatch", b -> MemorySegment.ofBuffer(b)
                    .mismatch(MemorySegment.ofBuffer(filled(ByteBuffer.allocate(SIZE)).put(SIZE - 1, (byte) 0))));
            check(runtime, "ByteBuffer.equals", b -> b.equals(filled(ByteBuffer.allocateDirect(SIZE - 1 + 1))));
            check(runtime, "FileChannel.write from", b -> ch.write(b, 0));
            check(runtime, "FileChannel.read into", b -> {
                b.clear();
                int n = ch.read(b, 0);
                return n + "/" + b.get(SIZE / 2);
            });
        }
        Files.delete(file);
        System.out.println("alive");
    }

    static long checksum(Checksum c, ByteBuffer b) {
        c.update(b);
        return c.getValue();
    }

    static byte[] compress(ByteBuffer heap) {
        Deflater d = new Deflater();
        d.setInput(heap.duplicate());
        d.finish();
        byte[] out = new byte[SIZE * 2];
        int n = d.deflate(out);
        d.end();
        return java.util.Arrays.copyOf(out, n);
    }

    static void check(ReclaimRuntime runtime, String what, Op op) throws Exception {
        Object want = op.run(filled(ByteBuffer.allocate(SIZE)));
        ByteBuffer intact = filled(ByteBuffer.allocateDirect(SIZE));
        VolatileRange r = runtime.rangeAt(MemorySegment.ofBuffer(intact).address());
        if (r == null) {
            fail(what + ": not the agent's memory");
        }
        r.mark();
        Object got = op.run(intact);
        if (!want.equals(got)) {
            fail(what + ": intact buffer gave " + got + ", the heap copy " + want);
        }
        ByteBuffer purged = filled(ByteBuffer.allocateDirect(SIZE));
        VolatileRange p = runtime.rangeAt(MemorySegment.ofBuffer(purged).address());
        p.mark();
        // Written after the mark, the first page stays: MemorySegment.mismatch and ByteBuffer.equals read the first
        // element in Java before they call the stub, which on a lost page is the JDK's own InternalError.
        purged.put(0, value(0));
        p.purge();
        if (p.stats().residentBytes() > SIZE / 8) {
            fail(what + ": the purge left " + p.stats().residentBytes() + " bytes resident");
        }
        Throwable thrown = null;
        try {
            Object after = op.run(purged);
            fail(what + ": a purged on-purge=throw buffer gave " + after + " instead of an exception");
        } catch (PurgedBufferException | PurgedMemoryError e) {
            thrown = e;
        }
        String message = thrown.getMessage();
        if (!message.contains("0x" + Long.toHexString(p.address())) || !message.contains("rule 'all'")
                || !message.contains("lost ")) {
            fail(what + ": the message does not name the buffer, its rule and its lost pages: " + message);
        }
        boolean io = what.startsWith("FileChannel");
        if (io != thrown instanceof PurgedBufferException) {
            fail(what + ": expected " + (io ? "PurgedBufferException" : "PurgedMemoryError") + ", got " + thrown);
        }
        System.out.println(what + ": intact ok, purged " + thrown.getClass().getSimpleName() + ": " + message);
    }

    static void fail(String why) {
        System.out.println("FAILED " + why);
        System.exit(1);
    }
}
