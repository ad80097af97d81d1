package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.FaultCounters.FileRebuilds;
import dev.jreclaim.agent.range.VolatileRange;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A child program (FileLimitsIT), run with the agent and a {@code rebuild:file} rule with {@code mark=explicit}.
 * Its first argument picks the case; each prints one line of figures and exits 1 on a wrong byte:
 * <ul>
 *   <li>{@code many-files N}: N files read into N direct buffers (more than {@code jreclaim.file.max-open}),
 *       marked, purged, read back twice; then one file deleted, its buffer purged and touched: the descriptor of
 *       the deleted file must be gone from /proc/self/fd.</li>
 *   <li>{@code same-size-change}: a file written in place after the mark, same size, its mtime set back.</li>
 *   <li>{@code chain}: one buffer of text (compresses) and one of random bytes (does not), their files written
 *       after the mark; prints how their pages came back.</li>
 *   <li>{@code throw-deleted}: ({@code rebuild:file,throw}) a buffer whose file is deleted after the mark, purged:
 *       a FileChannel write of it, a CRC32 of it and a plain read of a lost page each throw; another buffer, whose
 *       file stays, reads right; the JVM carries on.</li>
 * </ul>
 */
public final class FileLimitsChild {
    static final int PAGE = 4096;

    private FileLimitsChild() {}

    public static void main(String[] args) throws Exception {
        ReclaimRuntime runtime = ReclaimRuntime.current();
        if (runtime == null) {
            System.out.println("no agent");
            System.exit(2);
        }
        Path dir = Files.createTempDirectory("jreclaim-file-limits");
        switch (args[0]) {
            case "many-files" -> manyFiles(runtime, dir, Integer.parseInt(args[1]));
            case "same-size-change" -> sameSizeChange(runtime, dir);
            case "chain" -> chain(runtime, dir);
            case "throw-deleted" -> throwDeleted(runtime, dir);
            default -> throw new IllegalArgumentException(args[0]);
        }
    }

    static ByteBuffer read(ReclaimRuntime runtime, Path file, int size) throws IOException {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        if (runtime.rangeAt(MemorySegment.ofBuffer(b).address()) == null) {
            System.out.println(file + ": not the agent's memory");
            System.exit(1);
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            while (b.hasRemaining()) {
                if (ch.read(b) < 0) {
                    throw new IOException("short file " + file);
                }
            }
        }
        return b;
    }

    static VolatileRange range(ReclaimRuntime runtime, ByteBuffer b) {
        return runtime.rangeAt(MemorySegment.ofBuffer(b.duplicate().clear()).address()); // its base, whatever its position
    }

    /** Pages of b that differ from expected, and of those the ones that read as zeros. */
    static long[] compare(ByteBuffer b, byte[] expected) {
        long wrong = 0, zero = 0;
        for (int p = 0; p < expected.length / PAGE; p++) {
            boolean same = true, zeros = true;
            for (int i = p * PAGE; i < (p + 1) * PAGE; i++) {
                byte v = b.get(i);
                same &= v == expected[i];
                zeros &= v == 0;
            }
            if (!same) {
                wrong++;
                zero += zeros ? 1 : 0;
            }
        }
        return new long[] {wrong, zero};
    }

    static long deletedDescriptors(String name) throws IOException {
        long n = 0;
        try (var fds = Files.list(Path.of("/proc/self/fd"))) {
            for (Path fd : fds.toList()) {
                try {
                    String target = Files.readSymbolicLink(fd).toString();
                    n += target.contains(name) && target.endsWith("(deleted)") ? 1 : 0;
                } catch (IOException e) { // the listing's own descriptor, closed meanwhile
                }
            }
        }
        return n;
    }

    static void manyFiles(ReclaimRuntime runtime, Path dir, int n) throws IOException {
        int size = 64 * PAGE;
        List<byte[]> contents = new ArrayList<>();
        List<ByteBuffer> buffers = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < n; i++) {
            byte[] c = new byte[size];
            random.nextBytes(c);
            Path f = dir.resolve("file-" + i);
            Files.write(f, c);
            contents.add(c);
            buffers.add(read(runtime, f, size));
        }
        FileRebuilds before = runtime.registry().counters().files();
        long maxOpen = 0, wrong = 0, purged = 0;
        for (ByteBuffer b : buffers) {
            range(runtime, b).mark();
        }
        for (int round = 0; round < 2; round++) {
            for (ByteBuffer b : buffers) {
                range(runtime, b).purge();
                purged += range(runtime, b).stats().purgedBytes() / PAGE;
            }
            for (int i = 0; i < n; i++) {
                wrong += compare(buffers.get(i), contents.get(i))[0];
                maxOpen = Math.max(maxOpen, runtime.registry().counters().files().filesOpen());
            }
            for (ByteBuffer b : buffers) {
                range(runtime, b).mark();
            }
        }
        FileRebuilds after = runtime.registry().counters().files();
        // A deleted file: its pages are missing from then on, and the library's descriptor of it goes at once.
        Path gone = dir.resolve("file-0");
        ByteBuffer g = buffers.getFirst();
        range(runtime, g).mark();
        long heldBefore = deletedDescriptors("file-0");
        Files.delete(gone);
        long heldAfterDelete = deletedDescriptors("file-0");
        range(runtime, g).purge();
        long[] gw = compare(g, contents.getFirst());
        long heldAfterFault = deletedDescriptors("file-0");
        FileRebuilds last = runtime.registry().counters().files();
        System.out.println("many-files: files " + n + ", purged pages " + purged + ", from file "
                + (after.pages() - before.pages()) + ", wrong " + wrong + ", max open " + maxOpen + ", tracked "
                + after.filesTracked() + ", reopens " + (after.reopens() - before.reopens()) + ", evictions "
                + after.evictions() + ", deleted: held before " + heldBefore + ", after delete " + heldAfterDelete
                + ", after fault " + heldAfterFault + ", missing " + (last.missing() - after.missing())
                + ", non-zero wrong " + (gw[0] - gw[1]));
        if (wrong != 0 || gw[0] != gw[1]) {
            System.exit(1);
        }
    }

    static void sameSizeChange(ReclaimRuntime runtime, Path dir) throws IOException {
        int size = 64 * PAGE;
        byte[] c = new byte[size];
        new Random(11).nextBytes(c);
        Path f = dir.resolve("data");
        Files.write(f, c);
        FileTime mtime = Files.getLastModifiedTime(f);
        ByteBuffer b = read(runtime, f, size);
        FileRebuilds before = runtime.registry().counters().files();
        range(runtime, b).mark();
        byte[] changed = c.clone();
        for (int p = 0; p < size / PAGE; p++) {
            changed[p * PAGE + 9] ^= 0x10;
        }
        try (FileChannel w = FileChannel.open(f, StandardOpenOption.WRITE)) { // in place, same size
            w.write(ByteBuffer.wrap(changed), 0);
        }
        Files.setLastModifiedTime(f, mtime); // the mtime goes back; the ctime cannot (the kernel sets it)
        range(runtime, b).purge();
        long purged = range(runtime, b).stats().purgedBytes() / PAGE;
        long[] old = compare(b, c);
        long asNew = size / PAGE - compare(b, changed)[0];
        FileRebuilds after = runtime.registry().counters().files();
        System.out.println("same-size-change: purged pages " + purged + ", from file " + (after.pages() - before.pages())
                + ", stale " + (after.stale() - before.stale()) + ", stale by hash "
                + (after.staleByHash() - before.staleByHash()) + ", zero pages " + old[1] + ", new bytes pages " + asNew
                + ", mtime restored " + Files.getLastModifiedTime(f).equals(mtime));
        if (old[0] != old[1]) { // a page neither the bytes read nor zeros
            System.exit(1);
        }
    }

    static void throwDeleted(ReclaimRuntime runtime, Path dir) throws IOException {
        int size = 64 * PAGE;
        byte[] c = new byte[size], k = new byte[size];
        new Random(17).nextBytes(c);
        new Random(19).nextBytes(k);
        Path gone = dir.resolve("gone"), kept = dir.resolve("kept");
        Files.write(gone, c);
        Files.write(kept, k);
        ByteBuffer g = read(runtime, gone, size), b = read(runtime, kept, size);
        FileRebuilds before = runtime.registry().counters().files();
        range(runtime, g).mark();
        range(runtime, b).mark();
        Files.delete(gone);
        range(runtime, g).purge();
        range(runtime, b).purge();
        long purged = range(runtime, g).stats().purgedBytes() / PAGE;
        long keptWrong = compare(b, k)[0];
        String write, crc, plain;
        try (FileChannel out = FileChannel.open(dir.resolve("out"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            out.write(g.duplicate().clear());
            write = "no exception";
        } catch (IOException e) {
            write = e.getClass().getName();
        }
        try {
            java.util.zip.CRC32 sum = new java.util.zip.CRC32();
            sum.update(g.duplicate().clear());
            crc = "no exception";
        } catch (Throwable t) {
            crc = t.getClass().getName();
        }
        try {
            plain = "read " + g.get(3 * PAGE + 1);
        } catch (InternalError e) {
            plain = e.getClass().getName();
        }
        FileRebuilds after = runtime.registry().counters().files();
        System.out.println("throw-deleted: purged pages " + purged + ", missing " + (after.missing() - before.missing())
                + ", from file " + (after.pages() - before.pages()) + ", kept wrong " + keptWrong + ", write " + write
                + ", crc " + crc + ", plain " + plain + ", poisoned " + range(runtime, g).stats().pagesPoisoned()
                + ", alive true");
    }

    static void chain(ReclaimRuntime runtime, Path dir) throws IOException {
        int size = 64 * PAGE;
        byte[] text = new byte[size], random = new byte[size];
        byte[] words = "the quick brown fox jumps over the lazy dog; ".getBytes();
        for (int i = 0; i < size; i++) {
            text[i] = words[i % words.length];
        }
        new Random(13).nextBytes(random);
        Path tf = dir.resolve("text"), rf = dir.resolve("random");
        Files.write(tf, text);
        Files.write(rf, random);
        ByteBuffer tb = read(runtime, tf, size), rb = read(runtime, rf, size);
        FileRebuilds before = runtime.registry().counters().files();
        range(runtime, tb).mark();
        range(runtime, rb).mark();
        long snapshot = range(runtime, tb).stats().snapshotBytes() + range(runtime, rb).stats().snapshotBytes();
        for (Path f : List.of(tf, rf)) {
            try (FileChannel w = FileChannel.open(f, StandardOpenOption.WRITE)) {
                w.write(ByteBuffer.wrap(new byte[] {1, 2, 3}), 5);
            }
        }
        range(runtime, tb).purge();
        range(runtime, rb).purge();
        long tp = range(runtime, tb).stats().purgedBytes() / PAGE, rp = range(runtime, rb).stats().purgedBytes() / PAGE;
        long[] t = compare(tb, text), r = compare(rb, random);
        FileRebuilds after = runtime.registry().counters().files();
        System.out.println("chain: snapshot bytes " + snapshot + ", text purged " + tp + ", text wrong " + t[0]
                + ", text zero " + t[1] + ", random purged " + rp + ", random wrong " + r[0] + ", random zero " + r[1]
                + ", stale " + (after.stale() - before.stale()) + ", fell to snapshot "
                + (after.fellToSnapshot() - before.fellToSnapshot()));
        if (t[0] != t[1] || r[0] != r[1]) {
            System.exit(1);
        }
    }
}
