package dev.jreclaim.benchmarks.suite;

import static dev.jreclaim.benchmarks.suite.BenchLine.f;
import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.function.DoubleSupplier;

/**
 * Restore bandwidth per source (a sequential pass, one read per page, over a purged range: every page rebuilt by
 * the native fault service) against the limits measured in the same process on the same bytes: memcpy (into warm
 * and into fresh pages), the kernel's first-touch fault, LZ4 decompress of the service's 64 KiB chunks, and pread
 * of the same file from the page cache in 64 KiB reads (issue 9's benchmark). Each source gets a registry of its
 * own, so its fault p50/p99 are its own. Run with the agent jar on the class path (not as an agent).
 *
 * <p>{@code RestoreChild <MiB> <dir for the file>}; prints {@code name: value (…; goal …)} lines.
 */
public final class RestoreChild {
    static final int PAGE = 4096;
    /** The service's chunk: RangeRegistry.Options.defaults() restores 16 pages per fault. */
    static final int CHUNK = 16 * PAGE;
    static final int REPS = 3;
    static final double GB = 1e9;

    private final long size;
    private final Arena arena = Arena.ofShared();
    private final MemorySegment content;
    private long sink;

    private RestoreChild(long size) {
        this.size = size;
        content = arena.allocate(size, PAGE);
        TextLike.fill(content);
    }

    public static void main(String[] args) throws IOException {
        long size = Long.parseLong(args[0]) << 20;
        Path file = Files.createTempFile(Path.of(args[1]), "restore-", ".bin");
        try {
            new RestoreChild(size).run(file);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private void run(Path file) throws IOException {
        MemorySegment warm = arena.allocate(size, PAGE);
        warm.fill((byte) 1);
        for (int i = 0; i < 3; i++) {
            readPass(warm); // the read loop compiled before anything is timed
        }
        double memcpy = median(() -> {
            long t = System.nanoTime();
            MemorySegment.copy(content, 0, warm, 0, size);
            return size / secondsSince(t) / GB;
        });
        double memcpyFresh = median(() -> fresh(m -> MemorySegment.copy(content, 0, m, 0, size)));
        double touch = median(() -> fresh(m -> {
            for (long p = 0; p < size; p += PAGE) {
                m.set(JAVA_LONG_UNALIGNED, p, p);
            }
        }));
        double touchUsPerPage = PAGE / (touch * GB) * 1e6;
        double[] lz4 = lz4Decompress(warm);
        Files.write(file, new byte[0]);
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            ByteBuffer all = content.asByteBuffer();
            for (long pos = 0; all.hasRemaining(); ) {
                pos += ch.write(all, pos);
            }
        }
        double pread = preadChunks(file);

        System.out.println("restore-limit-memcpy: " + f(memcpy) + " GB/s (" + (size >> 20)
                + " MiB into warm pages, one thread; reference, no goal)");
        System.out.println("restore-limit-memcpy-fresh: " + f(memcpyFresh)
                + " GB/s (into fresh anonymous pages: the kernel's first-touch faults included; reference, no goal)");
        System.out.println("restore-limit-first-touch: " + f(touchUsPerPage) + " us/page (" + f(touch)
                + " GB/s, one write per fresh page; reference, no goal)");
        System.out.println("restore-limit-lz4-decompress: " + f(lz4[0]) + " GB/s (64 KiB chunks, " + f(lz4[1])
                + "x compressed, into warm pages; reference, no goal)");
        System.out.println("restore-limit-pread: " + f(pread) + " GB/s (64 KiB preads of the same " + (size >> 20)
                + " MiB file from the page cache into a warm buffer; reference, no goal)");

        // One thread that produces a chunk and installs it into fresh pages, with no overlap: its serial limit.
        double snapshotLimit = 1 / (1 / lz4[0] + 1 / memcpyFresh);
        double fileLimit = 1 / (1 / pread + 1 / memcpyFresh);
        Pass snap = restore(RebuildSource.SNAPSHOT, null);
        report("snapshot", snap, 2.0, 2.0, snapshotLimit,
                f(snap.gbps / lz4[0]) + "x LZ4 decompress, " + f(snap.gbps / memcpy) + "x memcpy, "
                        + f(snap.gbps / snapshotLimit) + "x one thread's decompress+install limit " + f(snapshotLimit) + " GB/s");
        Pass file1 = restore(RebuildSource.FILE, file);
        report("file", file1, 2.4, touchUsPerPage, fileLimit,
                f(file1.gbps / pread) + "x pread of the same file " + f(pread) + " GB/s, " + f(file1.gbps / memcpy)
                        + "x memcpy, " + f(file1.gbps / fileLimit) + "x one thread's pread+install limit " + f(fileLimit) + " GB/s");
        Pass zero = restore(RebuildSource.ZERO, null);
        System.out.println("restore-zero: " + f(zero.gbps) + " GB/s (" + f(zero.usPerPage) + " us/page, "
                + f(zero.gbps / touch) + "x the kernel's first touch, service's own rate " + f(zero.serviceGbps)
                + " GB/s; reference, no goal)");
        if (sink == 42) {
            System.out.println();
        }
    }

    private void report(String src, Pass p, double goalGbps, double goalUsPerPage, double serialLimit, String against) {
        // Where the pass's time went: the service's own work per chunk, or the round trip around it.
        String why = p.gbps < 0.75 * p.serviceGbps
                ? "fault round trip (service busy " + f(100 * p.gbps / p.serviceGbps) + "% of the pass)"
                : p.serviceGbps >= 0.75 * serialLimit ? "one service thread at its serial limit"
                : "per-chunk work (mean " + f(p.meanFaultUs) + " us per 64 KiB fault)";
        against = against + ", service's own rate " + f(p.serviceGbps) + " GB/s";
        System.out.println(BenchLine.atLeast("restore-" + src, p.gbps, " GB/s", against + (p.wrong > 0 ? ", "
                + p.wrong + " WRONG PAGES" : ""), goalGbps, why));
        System.out.println(BenchLine.atMost("restore-" + src + "-per-page", p.usPerPage, " us",
                "amortised over " + p.pages + " pages restored in " + REPS + " passes"
                        + (src.equals("file") ? "; the goal is the kernel's first-touch fault measured in this run" : ""),
                goalUsPerPage, why));
        String hist = "fault service's histogram (bucket upper bounds), " + p.faults + " faults, mean " + f(p.meanFaultUs)
                + " us of service time per fault";
        System.out.println(BenchLine.atMost("fault-" + src + "-p50", p.p50Us, " us", hist, 50, "chunk work"));
        System.out.println(BenchLine.atMost("fault-" + src + "-p99", p.p99Us, " us", hist, 50,
                p.p50Us > 50 ? "chunk work" : "tail (shared cores)"));
    }

    /**
     * @param gbps        bytes restored per second of the application's pass (median pass)
     * @param serviceGbps bytes restored per second of the service's own time (its counters: event read to answer)
     */
    private record Pass(double gbps, double serviceGbps, double usPerPage, long pages, long faults, double meanFaultUs,
            double p50Us, double p99Us, long wrong) {}

    /** A range of this source holding the content, marked; {@link #REPS} passes of purge then read. */
    private Pass restore(RebuildSource source, Path file) {
        try (RangeRegistry reg = RangeRegistry.start()) {
            VolatileRange r = source == RebuildSource.FILE ? reg.allocateFromFile(size, file, 0) : reg.allocate(size, source);
            MemorySegment s = r.segment();
            MemorySegment.copy(content, 0, s, 0, size);
            r.mark();
            double[] secs = new double[REPS];
            long wrong = 0;
            for (int i = 0; i < REPS; i++) {
                if (source == RebuildSource.ZERO && i > 0) { // ZERO installs the shared zero page: nothing left to purge
                    MemorySegment.copy(content, 0, s, 0, size);
                    r.mark();
                }
                purge(r);
                long t = System.nanoTime();
                long sum = readPass(s);
                secs[i] = secondsSince(t);
                sink += sum;
                wrong += checkPages(s, source == RebuildSource.ZERO);
            }
            FaultCounters c = reg.counters();
            FaultCounters.SourceCounters sc = c.perSource().get(source);
            double total = Arrays.stream(secs).sum();
            Arrays.sort(secs);
            double mid = secs[REPS / 2];
            long pagesPerPass = sc.pages() / REPS;
            r.free();
            return new Pass(pagesPerPass * (double) PAGE / mid / GB, sc.bytes() / (double) Math.max(1, sc.nanos()), total / Math.max(1, sc.pages()) * 1e6, sc.pages(),
                    sc.faults(), sc.nanos() / 1e3 / Math.max(1, sc.faults()), c.quantileNanos(0.5) / 1e3,
                    c.quantileNanos(0.99) / 1e3, wrong);
        }
    }

    /** Purges the whole range (MADV_PAGEOUT); re-marks first if the last pass left it unmarked. */
    private void purge(VolatileRange r) {
        r.purge();
        if (r.stats().purgedBytes() < size * 7 / 8) {
            r.mark();
            r.purge();
        }
        if (r.stats().purgedBytes() < size * 7 / 8) {
            throw new IllegalStateException("could not purge " + r + ": " + r.stats());
        }
    }

    /** Pages whose first long is not what {@link TextLike} (or zero) put there. */
    private static long checkPages(MemorySegment s, boolean zeros) {
        long bad = 0;
        for (long p = 0; p < s.byteSize(); p += PAGE) {
            if (s.get(JAVA_LONG_UNALIGNED, p) != (zeros ? 0 : p * 0x9E3779B97F4A7C15L)) {
                bad++;
            }
        }
        return bad;
    }

    /** One long read from every page: what touches every page once. */
    private static long readPass(MemorySegment s) {
        long sum = 0;
        for (long p = 0; p < s.byteSize(); p += PAGE) {
            sum += s.get(JAVA_LONG_UNALIGNED, p);
        }
        return sum;
    }

    private double fresh(java.util.function.Consumer<MemorySegment> work) {
        long a = Libc.mmapAnonymous(size);
        if (a < 0) {
            throw new IllegalStateException("mmap of " + size + " bytes: errno " + -a);
        }
        try {
            MemorySegment m = MemorySegment.ofAddress(a).reinterpret(size);
            long t = System.nanoTime();
            work.accept(m);
            return size / secondsSince(t) / GB;
        } finally {
            Libc.munmap(a, size);
        }
    }

    /** {GB/s of output, compression ratio}: every 64 KiB chunk compressed, then decompressed into warm pages. */
    private double[] lz4Decompress(MemorySegment warm) {
        int chunks = (int) (size / CHUNK);
        int bound = Lz4.bound(CHUNK);
        MemorySegment comp = arena.allocate((long) chunks * bound, PAGE);
        int[] len = new int[chunks];
        long total = 0;
        for (int i = 0; i < chunks; i++) {
            len[i] = Lz4.compress(content.asSlice((long) i * CHUNK, CHUNK), comp.asSlice((long) i * bound, bound), CHUNK);
            total += len[i];
        }
        double gbps = median(() -> {
            long t = System.nanoTime();
            for (int i = 0; i < chunks; i++) {
                Lz4.decompress(comp.asSlice((long) i * bound, bound), len[i], warm.asSlice((long) i * CHUNK, CHUNK), CHUNK);
            }
            return size / secondsSince(t) / GB;
        });
        return new double[] {gbps, (double) size / total};
    }

    private double preadChunks(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer dst = ByteBuffer.allocateDirect(CHUNK);
            DoubleSupplier pass = () -> {
                try {
                    long t = System.nanoTime();
                    for (long pos = 0; pos < size; pos += CHUNK) {
                        dst.clear();
                        while (dst.hasRemaining()) {
                            if (ch.read(dst, pos + dst.position()) < 0) {
                                throw new IOException("short file");
                            }
                        }
                    }
                    return size / secondsSince(t) / GB;
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            };
            pass.getAsDouble(); // the file's pages in the page cache, the loop compiled
            return median(pass);
        }
    }

    private static double median(DoubleSupplier s) {
        double[] v = new double[REPS];
        for (int i = 0; i < REPS; i++) {
            v[i] = s.getAsDouble();
        }
        Arrays.sort(v);
        return v[REPS / 2];
    }

    private static double secondsSince(long t) {
        return (System.nanoTime() - t) / 1e9;
    }
}
