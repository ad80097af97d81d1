package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.FaultCounters.FileRebuilds;
import dev.jreclaim.agent.range.VolatileRange;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
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
    /** A file shorter than the buffer, whose last page is partial: what is past its end reads as zeros. */
    static final int SHORT = SIZE - 3000;
    /** Changes of the file after the mark: the pages it cannot give back read as zeros. */
    static final java.util.Set<String> FILE_CHANGES = java.util.Set.of("file-written", "truncated", "deleted",
            "renamed-over");

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
        for (int i = 0; i < openers.length; i++) {
            scattering(runtime, "scattering " + names[i], file, content, openers[i], "none");
        }
        scattering(runtime, "scattering written-after-read", file, content, openers[0], "written-after-read");
        scatteringAroundAHeapBuffer(runtime, dir);
        scatteringAcrossTwoRanges(runtime, dir);
        mappedCopy(runtime, "MemorySegment.copy mapped", dir, 0, false, "none");
        mappedCopy(runtime, "copyFrom mapped at offset 100", dir, 100, true, "none");
        mappedCopy(runtime, "mapped written-after-read", dir, 0, false, "written-after-read");
        mappedCopy(runtime, "mapped file-written", dir, 0, false, "file-written");

        mappedCopyIntoASegment(runtime, dir);
        mappedNotFollowed(runtime, dir);
        asynchronous(runtime, file, content);

        byte[] shortContent = Arrays.copyOf(content, SHORT);
        Path shortFile = dir.resolve("short");
        Files.write(shortFile, shortContent);
        byte[] expected = Arrays.copyOf(shortContent, SIZE); // zeros past the file's end
        for (String change : new String[] {"none", "rest-written"}) {
            ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
            VolatileRange r = rangeOf(runtime, "file end", b);
            try (FileChannel ch = FileChannel.open(shortFile, StandardOpenOption.READ)) {
                while (ch.read(b) >= 0 && b.hasRemaining()) {}
            }
            check(runtime, "file end read " + change, shortFile, b, r, expected.clone(), change);
        }
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        VolatileRange r = rangeOf(runtime, "file end", b);
        try (FileChannel ch = FileChannel.open(shortFile, StandardOpenOption.READ)) {
            ByteBuffer[] parts = {b.slice(0, 300_001), b.slice(300_001, SIZE - 300_001)};
            while (ch.read(parts) >= 0 && parts[1].hasRemaining()) {}
        }
        check(runtime, "file end scattering none", shortFile, b, r, expected.clone(), "none");
        b = ByteBuffer.allocateDirect(SIZE);
        r = rangeOf(runtime, "file end", b);
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mapped;
            try (FileChannel ch = FileChannel.open(shortFile, StandardOpenOption.READ)) {
                mapped = ch.map(FileChannel.MapMode.READ_ONLY, 0, SHORT, arena);
            }
            MemorySegment.copy(mapped, 0, MemorySegment.ofBuffer(b), 0, SHORT);
        }
        check(runtime, "file end mapped none", shortFile, b, r, expected.clone(), "none");
    }

    /**
     * FileChannel.read(ByteBuffer[]) into three slices of one buffer, cut off page boundaries, until full: the
     * pages across the slices' boundaries were filled from one file range and count too.
     */
    static void scattering(ReclaimRuntime runtime, String what, Path file, byte[] content, Opener opener,
            String change) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        VolatileRange r = rangeOf(runtime, what, b);
        ByteBuffer[] parts = {b.slice(0, 100_000), b.slice(100_000, 300_001), b.slice(400_001, SIZE - 400_001)};
        try (FileChannel ch = opener.open(file)) {
            while (parts[2].hasRemaining()) {
                if (ch.read(parts) < 0) {
                    throw new IOException("short file " + file);
                }
            }
        }
        check(runtime, what, file, b, r, content.clone(), change);
    }

    /**
     * read(ByteBuffer[], 1, 3) of {unused, slice, heap buffer, slice}: the heap buffer takes the file's bytes in
     * between, so the page across the two slices holds two file ranges and has no provenance (its bytes go to
     * the snapshot); every other page comes back from the file.
     */
    static void scatteringAroundAHeapBuffer(ReclaimRuntime runtime, Path dir) throws IOException {
        int gap = 5000, cut = 100_000;
        byte[] content = new byte[SIZE + gap];
        new Random(7).nextBytes(content);
        Path file = dir.resolve("gap");
        Files.write(file, content);
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        VolatileRange r = rangeOf(runtime, "gap", b);
        ByteBuffer[] bufs = {ByteBuffer.allocate(10), b.slice(0, cut), ByteBuffer.allocate(gap), b.slice(cut, SIZE - cut)};
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (bufs[3].hasRemaining()) {
                if (ch.read(bufs, 1, 3) < 0) {
                    throw new IOException("short file " + file);
                }
            }
        }
        if (bufs[0].position() != 0 || !Arrays.equals(bufs[2].array(), Arrays.copyOfRange(content, cut, cut + gap))) {
            System.out.println("scattering around a heap buffer: the heap buffers got the wrong bytes");
            System.exit(1);
        }
        byte[] expected = new byte[SIZE];
        System.arraycopy(content, 0, expected, 0, cut);
        System.arraycopy(content, cut + gap, expected, cut, SIZE - cut);
        check(runtime, "scattering around a heap buffer", file, b, r, expected, "none");
    }

    /**
     * One scattering read into two buffers that lie next to each other in memory (consecutive ranges of one
     * size share a mapping region): the spans are one run in memory and in the file, recorded in each range for
     * its part.
     */
    static void scatteringAcrossTwoRanges(ReclaimRuntime runtime, Path dir) throws IOException {
        byte[] content = new byte[2 * SIZE];
        new Random(5).nextBytes(content);
        Path file = dir.resolve("two-ranges");
        Files.write(file, content);
        // A slot freed earlier (a cleaner, a recycled slot taken first) may sit between two allocations: take ranges
        // until one lies right after the one before it, keeping the others alive meanwhile.
        java.util.List<ByteBuffer> held = new java.util.ArrayList<>();
        ByteBuffer b1 = ByteBuffer.allocateDirect(SIZE), b2 = ByteBuffer.allocateDirect(SIZE);
        VolatileRange r1 = rangeOf(runtime, "two ranges", b1), r2 = rangeOf(runtime, "two ranges", b2);
        for (int i = 0; i < 8 && r1.address() + r1.byteSize() != r2.address(); i++) {
            held.add(b1);
            b1 = b2;
            r1 = r2;
            b2 = ByteBuffer.allocateDirect(SIZE);
            r2 = rangeOf(runtime, "two ranges", b2);
        }
        boolean adjacent = r1.address() + r1.byteSize() == r2.address();
        ByteBuffer[] bufs = {b1.slice(0, 500_000), b1.slice(500_000, SIZE - 500_000), b2};
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b2.hasRemaining()) {
                if (ch.read(bufs) < 0) {
                    throw new IOException("short file " + file);
                }
            }
        }
        System.out.println("scattering across two ranges: adjacent " + adjacent);
        check(runtime, "scattering across two ranges, first", file, b1, r1, Arrays.copyOf(content, SIZE), "none");
        check(runtime, "scattering across two ranges, second", file, b2.clear(), r2,
                Arrays.copyOfRange(content, SIZE, 2 * SIZE), "none");
        java.lang.ref.Reference.reachabilityFence(held);
    }

    /**
     * FileChannel.map(READ_ONLY, offset, SIZE, arena) of a file of random bytes, the channel closed at once, then
     * MemorySegment.copy (or copyFrom) of the whole segment into the buffer. Also prints how many descriptors
     * the agent holds for the mapping while it is mapped and how many it released when the arena closed.
     */
    static void mappedCopy(ReclaimRuntime runtime, String what, Path dir, int offset, boolean copyFrom, String change)
            throws IOException {
        byte[] content = new byte[SIZE + offset];
        new Random(what.hashCode()).nextBytes(content);
        Path file = dir.resolve("mapped-" + Math.abs(what.hashCode()));
        Files.write(file, content);
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        VolatileRange r = rangeOf(runtime, what, b);
        long fds0 = openDescriptors(), whileMapped, afterCopy;
        try (Arena arena = Arena.ofShared()) {
            MemorySegment mapped;
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                mapped = ch.map(FileChannel.MapMode.READ_ONLY, offset, SIZE, arena);
            }
            whileMapped = openDescriptors() - fds0;
            if (copyFrom) {
                MemorySegment.ofBuffer(b).copyFrom(mapped);
            } else {
                MemorySegment.copy(mapped, 0, MemorySegment.ofBuffer(b), 0, SIZE);
            }
            afterCopy = openDescriptors();
        }
        System.out.println(what + ": mapping descriptors while mapped " + whileMapped + ", released "
                + (afterCopy - openDescriptors()));
        check(runtime, what, file, b, r, Arrays.copyOfRange(content, offset, offset + SIZE), change);
    }

    /** MemorySegment.copy from a mapping into an arena's segment (the rule's kind is any): the same records. */
    static void mappedCopyIntoASegment(ReclaimRuntime runtime, Path dir) throws IOException {
        byte[] content = new byte[SIZE];
        new Random(3).nextBytes(content);
        Path file = dir.resolve("mapped-into-segment");
        Files.write(file, content);
        try (Arena segments = Arena.ofShared()) {
            MemorySegment dst = segments.allocate(SIZE); // byte-aligned: the range is exactly its pages
            ByteBuffer b = dst.asByteBuffer();
            VolatileRange r = rangeOf(runtime, "mapped into a segment", b);
            try (Arena arena = Arena.ofShared(); FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                MemorySegment.copy(ch.map(FileChannel.MapMode.READ_ONLY, 0, SIZE, arena), 0, dst, 0, SIZE);
            }
            check(runtime, "MemorySegment.copy mapped into a segment", file, b, r, content, "none");
        }
    }

    /** AsynchronousFileChannel.read(ByteBuffer, long): on Linux a positional read on a pool thread. */
    static void asynchronous(ReclaimRuntime runtime, Path file, byte[] content) throws Exception {
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        VolatileRange r = rangeOf(runtime, "asynchronous", b);
        try (var ch = java.nio.channels.AsynchronousFileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining()) {
                if (ch.read(b, b.position()).get() < 0) {
                    throw new IOException("short file " + file);
                }
            }
        }
        check(runtime, "AsynchronousFileChannel", file, b, r, content.clone(), "none");
    }

    /**
     * Copies the agent does not record, of a compressible file (so the snapshot keeps them right): from a
     * PRIVATE mapping (its written pages are not the file's) and from a mapping beyond the 64 followed at once.
     */
    static void mappedNotFollowed(ReclaimRuntime runtime, Path dir) throws IOException {
        byte[] content = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            content[i] = (byte) (i / PAGE * 7 + i % 3);
        }
        Path file = dir.resolve("compressible");
        Files.write(file, content);
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        VolatileRange r = rangeOf(runtime, "private", b);
        try (Arena arena = Arena.ofShared();
                FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            MemorySegment.copy(ch.map(FileChannel.MapMode.PRIVATE, 0, SIZE, arena), 0, MemorySegment.ofBuffer(b), 0, SIZE);
        }
        check(runtime, "not followed: PRIVATE mapping", file, b, r, content.clone(), "none");
        b = ByteBuffer.allocateDirect(SIZE);
        r = rangeOf(runtime, "65th", b);
        java.util.List<Arena> held = new java.util.ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int i = 0; i < 64; i++) {
                Arena a = Arena.ofShared();
                held.add(a);
                ch.map(FileChannel.MapMode.READ_ONLY, 0, PAGE, a);
            }
            try (Arena arena = Arena.ofShared()) {
                MemorySegment.copy(ch.map(FileChannel.MapMode.READ_ONLY, 0, SIZE, arena), 0, MemorySegment.ofBuffer(b), 0,
                        SIZE);
            }
        } finally {
            held.forEach(Arena::close);
        }
        check(runtime, "not followed: 65th mapping", file, b, r, content.clone(), "none");
    }

    static long openDescriptors() throws IOException {
        try (var s = Files.list(Path.of("/proc/self/fd"))) {
            return s.count() - 1; // the listing's own
        }
    }

    static void run(ReclaimRuntime runtime, String what, Path file, byte[] content, Opener opener, boolean positional,
            String change) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        VolatileRange r = rangeOf(runtime, what, b);
        try (FileChannel ch = opener.open(file)) {
            while (b.hasRemaining()) {
                int n = positional ? ch.read(b, b.position()) : ch.read(b);
                if (n < 0) {
                    throw new IOException("short file " + file);
                }
            }
        }
        check(runtime, what, file, b, r, content.clone(), change);
    }

    static VolatileRange rangeOf(ReclaimRuntime runtime, String what, ByteBuffer b) {
        VolatileRange r = runtime.rangeAt(MemorySegment.ofBuffer(b).address());
        if (r == null) {
            System.out.println(what + ": not the agent's memory");
            System.exit(1);
        }
        return r;
    }

    /**
     * b holds expected (the file's bytes as read, and zeros after the file's end): optionally written after
     * the read, marked, the file optionally changed, purged, read back and compared.
     */
    static void check(ReclaimRuntime runtime, String what, Path file, ByteBuffer b, VolatileRange r, byte[] expected,
            String change) throws IOException {
        if (change.equals("written-after-read")) { // after the read, before the mark: never from the file
            for (int i = 5 * PAGE; i < 5 * PAGE + 100; i++) {
                b.put(i, (byte) 0x5a);
                expected[i] = 0x5a;
            }
        }
        if (change.equals("rest-written")) { // the file's last page, past the file's end: not the file's zeros
            b.put(SIZE - 1000, (byte) 0x5a);
            expected[SIZE - 1000] = 0x5a;
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
                if (zero && FILE_CHANGES.contains(change)) {
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
