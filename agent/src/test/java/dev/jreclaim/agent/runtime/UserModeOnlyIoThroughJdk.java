package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A child program (UserModeOnlyGuardIT), run as an unprivileged user with the agent and a rebuild:snapshot rule:
 * FileChannel.write from purged buffers, FileChannel.read into them, and a socket write over loopback, each byte
 * compared. Without the agent's pins the kernel's access to a purged page fails with EFAULT in user-mode-only
 * mode. Prints one line per case; exits 1 on the first wrong byte or failure.
 */
public final class UserModeOnlyIoThroughJdk {
    static final int SIZE = (1 << 20) + 4096 * 3 + 17;

    private UserModeOnlyIoThroughJdk() {}

    static byte value(long i, int seed) {
        return (byte) (i * 31 + i / 4096 + seed);
    }

    public static void main(String[] args) throws Exception {
        ReclaimRuntime runtime = ReclaimRuntime.current();
        if (runtime == null) {
            System.out.println("no agent");
            System.exit(2);
        }
        System.out.println("mode " + runtime.registry().mode().description());
        Path file = Files.createTempFile("jreclaim-umo-", ".bin");
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.READ)) {
            // FileChannel.write from a purged buffer, whole and positional, from a position inside it.
            ByteBuffer b = purged(runtime, filled(1));
            b.position(5000);
            int n = ch.write(b, 0);
            check("FileChannel.write from", n == SIZE - 5000, wrongInFile(file, 5000, 1), n);
            // FileChannel.read into a purged buffer: the kernel writes its pages.
            Files.write(file, content(2));
            ByteBuffer into = purged(runtime, filled(3));
            n = ch.read(into, 0);
            long wrong = 0;
            for (int i = 0; i < SIZE; i++) {
                wrong += into.get(i) == value(i, 2) ? 0 : 1;
            }
            check("FileChannel.read into", n == SIZE, wrong, n);
            // Vectored (gathering) write from two purged buffers.
            ByteBuffer g1 = purged(runtime, filled(4));
            ByteBuffer g2 = purged(runtime, filled(5));
            ch.truncate(0);
            ch.position(0);
            long m = ch.write(new ByteBuffer[] {g1, g2});
            byte[] got = Files.readAllBytes(file);
            wrong = got.length == 2L * SIZE ? 0 : Math.abs(got.length - 2L * SIZE);
            for (int i = 0; i < Math.min(got.length, 2 * SIZE); i++) {
                wrong += got[i] == value(i % SIZE, i < SIZE ? 4 : 5) ? 0 : 1;
            }
            check("FileChannel.write gathering from", m == 2L * SIZE, wrong, m);
        }
        Files.delete(file);
        // A socket write over loopback from a purged buffer.
        try (ServerSocketChannel server = ServerSocketChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
                SocketChannel client = SocketChannel.open(server.getLocalAddress());
                SocketChannel peer = server.accept()) {
            ByteBuffer send = purged(runtime, filled(6));
            Thread writer = Thread.ofPlatform().start(() -> {
                try {
                    while (send.hasRemaining()) {
                        client.write(send);
                    }
                    client.shutdownOutput();
                } catch (Exception e) {
                    System.out.println("socket write failed: " + e);
                }
            });
            ByteBuffer received = ByteBuffer.allocate(SIZE + 1);
            while (peer.read(received) >= 0 && received.hasRemaining()) {
                // until the writer's end of stream
            }
            writer.join();
            long wrong = 0;
            for (int i = 0; i < SIZE; i++) {
                wrong += received.get(i) == value(i, 6) ? 0 : 1;
            }
            check("SocketChannel.write from", received.position() == SIZE, wrong, received.position());
        }
        ReclaimRuntime.Pins p = runtime.pins();
        System.out.println("pins " + p.pins() + ", failures " + p.failures() + ", purged refusals " + p.purgedRefusals());
    }

    static byte[] content(int seed) {
        byte[] b = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            b[i] = value(i, seed);
        }
        return b;
    }

    static ByteBuffer filled(int seed) {
        return ByteBuffer.allocateDirect(SIZE).put(content(seed)).clear();
    }

    /** Marks and purges the buffer's range; fails unless the pages are really gone. */
    static ByteBuffer purged(ReclaimRuntime runtime, ByteBuffer b) {
        VolatileRange r = runtime.rangeAt(MemorySegment.ofBuffer(b).address());
        if (r == null) {
            fail("not the agent's memory");
        }
        r.mark();
        r.purge();
        long resident = r.stats().residentBytes();
        if (resident > SIZE / 8) {
            fail("the purge left " + resident + " bytes resident");
        }
        return b;
    }

    static long wrongInFile(Path file, int from, int seed) throws Exception {
        byte[] got = Files.readAllBytes(file);
        long wrong = got.length == SIZE - from ? 0 : Math.abs(got.length - (SIZE - from));
        for (int i = 0; i < Math.min(got.length, SIZE - from); i++) {
            wrong += got[i] == value(i + from, seed) ? 0 : 1;
        }
        return wrong;
    }

    static void check(String what, boolean countOk, long wrong, long count) {
        System.out.println(what + " purged buffers: " + count + " bytes, wrong bytes " + wrong);
        if (!countOk || wrong != 0) {
            fail(what + ": count " + count + ", wrong bytes " + wrong);
        }
    }

    static void fail(String why) {
        System.out.println("FAILED " + why);
        System.exit(1);
    }
}
