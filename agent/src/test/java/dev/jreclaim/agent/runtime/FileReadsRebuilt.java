package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.FaultCounters.FileRebuilds;
import dev.jreclaim.agent.range.VolatileRange;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Random;

/**
 * A child program (FileProvenanceIT), run with the agent and a rule {@code on-purge=rebuild:file,zero},
 * {@code mark=explicit}: direct buffers filled from a file of random bytes (no snapshot pays for them) by
 * every JDK way of opening a file channel, positional and not, are marked, purged and read back. Prints one
 * line per case; exits with status 1 when a byte is neither the one expected nor, once the file changed, zero.
 */
public final class FileReadsRebuilt {
    static final int SIZE = 1 << 20;
    static final int PAGE = 4096;

    private FileReadsRebuilt() {}

    interface Opener {
        FileChannel open(Path p) throws IOException;
    }

    public static void main(String[] args) throws Exception {
        ReclaimRuntime runtime = ReclaimRuntime.current();
        if (runtime == null) {
            System.out.println("no agent");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("jreclaim-file-reads");
        byte[] content = new byte[SIZE];
        new Random(42).nextBytes(content);
        Path file = dir.resolve("data");
        Files.write(file, content);

        Opener[] openers = {
            p -> FileChannel.open(p, StandardOpenOption.READ),
            p -> (FileChannel) Files.newByteChannel(p),
            p -> new RandomAccessFile(p.toFile(), "r").getChannel(),
            p -> new FileInputStream(p.toFile()).getChannel(),
        };
        String[] names = {"FileChannel.open", "Files.newByteChannel", "RandomAccessFile.getChannel",
            "FileInputStream.getChannel"};
        for (int i = 0; i < openers.length; i++) {
            for (boolean positional : new boolean[] {false, true}) {
                run(runtime, names[i] + (positional ? " positional" : ""), file, content, openers[i], positional, "none");
            }
        }
        for (String change : new String[] {"written-after-read", "file-written", "truncated", "deleted", "renamed-over"}) {
            Path f = dir.resolve(change);
            Files.write(f, content);
            run(runtime, change, f, content, openers[0], false, change);
        }
    }

    static void run(ReclaimRuntime runtime, String what, Path file, byte[] content, Opener opener, boolean positional,
            String change) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        VolatileRange r = runtime.rangeAt(MemorySegment.ofBuffer(b).address());
        if (r == null) {
            System.out.println(what + ": not the agent's memory");
            System.exit(1);
        }
        try (FileChannel ch = opener.open(file)) {
            while (b.hasRemaining()) {
                int n = positional ? ch.read(b, b.position()) : ch.read(b);
                if (n < 0) {
                    throw new IOException("short file " + file);
                }
            }
        }
        byte[] expected = content.clone();
        if (change.equals("written-after-read")) { // after the read, before the mark: never from the file
            for (int i = 5 * PAGE; i < 5 * PAGE + 100; i++) {
                b.put(i, (byte) 0x5a);
                expected[i] = 0x5a;
            }
        }
        FileRebuilds before = runtime.registry().counters().files();
        r.mark();
        byte[] other = new byte[SIZE];
        java.util.Arrays.fill(other, (byte) 0xee);
        switch (change) {
            case "file-written" -> {
                try (FileChannel w = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    w.write(ByteBuffer.wrap(other, 0, PAGE), 7 * PAGE);
                }
            }
            case "truncated" -> {
                try (FileChannel w = FileChannel.open(file, StandardOpenOption.WRITE)) {
                    w.truncate(SIZE / 2);
                }
            }
            case "deleted" -> Files.delete(file);
            case "renamed-over" -> {
                Path tmp = file.resolveSibling(file.getFileName() + ".new");
                Files.write(tmp, other);
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            default -> {}
        }
        r.purge();
        long purged = r.stats().purgedBytes() / PAGE;
        long wrong = 0, zeroPages = 0;
        for (int p = 0; p < SIZE / PAGE; p++) {
            boolean same = true, zero = true;
            for (int i = p * PAGE; i < (p + 1) * PAGE; i++) {
                byte v = b.get(i);
                same &= v == expected[i];
                zero &= v == 0;
            }
            if (!same) {
                if (zero && !change.equals("none") && !change.equals("written-after-read")) {
                    zeroPages++;
                } else {
                    wrong++;
                }
            }
        }
        FileRebuilds after = runtime.registry().counters().files();
        System.out.println(what + ": purged pages " + purged + ", from file " + (after.pages() - before.pages())
                + ", verified " + (after.verified() - before.verified()) + ", unverified "
                + (after.unverified() - before.unverified()) + ", stale " + (after.stale() - before.stale())
                + ", missing " + (after.missing() - before.missing()) + ", io errors "
                + (after.ioErrors() - before.ioErrors()) + ", zero pages " + zeroPages + ", wrong " + wrong);
        if (wrong != 0) {
            System.exit(1);
        }
    }
}
