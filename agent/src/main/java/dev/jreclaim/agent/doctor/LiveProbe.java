package dev.jreclaim.agent.doctor;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jreclaim.agent.linux.Errno;
import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.NativeCallException;
import dev.jreclaim.agent.linux.UffdAbi;
import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.LockResult;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.ServiceTimes;
import dev.jreclaim.agent.range.VolatileRange;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * The live half of {@code doctor}: a range per rebuild source, filled with a known pattern, marked,
 * purged with MADV_PAGEOUT (what memory pressure does, made deterministic), then read back by
 * several Java threads at once, every byte compared; then JDK I/O on a purged buffer, which is where
 * user-mode-only mode differs from full mode. A hang here (a fault nobody answers) is exactly what
 * the caller's watchdog exists for, so the probe says which step it is in.
 */
final class LiveProbe {
    static final int THREADS = 4;
    static final long RANGE_BYTES = 4L << 20;
    static final long IO_BYTES = 1L << 20;

    private final Consumer<CheckLine> out;
    private final Duration testFaultDelay;
    private volatile String step = "not started";
    private volatile Path dir;

    /**
     * @param testFaultDelay fault injection for the watchdog's test: the service waits this long
     *                       before answering each fault (zero for none)
     */
    LiveProbe(Consumer<CheckLine> out, Duration testFaultDelay) {
        this.out = out;
        this.testFaultDelay = testFaultDelay;
    }

    /** The step in progress, for the watchdog's message. */
    String step() {
        return step;
    }

    /** Removes the probe's files, for the watchdog before it ends the process (no finally block will run then). */
    void discardFiles() {
        Path d = dir;
        if (d != null) {
            deleteTree(d);
        }
    }

    /** Runs every check; returns what failed, empty when everything held. */
    Optional<String> run(boolean lz4) throws IOException, InterruptedException {
        step = "starting the fault service";
        List<String> failures = new ArrayList<>();
        Path dir = Files.createTempDirectory("jreclaim-doctor-");
        this.dir = dir;
        try (RangeRegistry svc = RangeRegistry.start()) {
            out.accept(new CheckLine("mode", UserfaultfdChecks.meaning(svc.mode())));
            if (!testFaultDelay.isZero()) {
                svc.injectServiceDelayForTesting(testFaultDelay);
            }
            for (RebuildSource source : RebuildSource.values()) {
                Optional<String> skip = unsupported(svc, source, lz4);
                if (skip.isPresent()) {
                    out.accept(new CheckLine("probe " + source, "skipped: " + skip.get()));
                    continue;
                }
                probeSource(svc, source, dir).ifPresent(failures::add);
            }
            probeIo(svc, lz4, dir, failures);
            FaultCounters c = svc.counters();
            out.accept(new CheckLine("probe faults", c.faultEvents() + " served, " + c.pagesRestored()
                    + " pages rebuilt, service time (event read to wake) median " + bucket(c.serviceTimes(), 0.5)
                    + ", p99 " + bucket(c.serviceTimes(), 0.99) + ", slowest " + micros(c.maxNanos())
                    + ", " + c.rebuildFailures() + " rebuild failures, " + c.installErrors() + " copy errors"));
            step = "closing the fault service";
        } finally {
            deleteTree(dir);
        }
        return failures.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", failures));
    }

    private static Optional<String> unsupported(RangeRegistry svc, RebuildSource source, boolean lz4) {
        return switch (source) {
            case SNAPSHOT -> !svc.writeProtect() ? Optional.of("this userfaultfd lacks PAGEFAULT_FLAG_WP (SNAPSHOT marking unsupported)")
                    : !lz4 ? Optional.of("liblz4.so.1 is missing (apt-get install liblz4-1)") : Optional.empty();
            case POISON -> (svc.features() & UffdAbi.UFFD_FEATURE_POISON) == 0
                    ? Optional.of("this userfaultfd lacks UFFD_FEATURE_POISON (POISON source unsupported)") : Optional.empty();
            default -> Optional.empty();
        };
    }

    /** A range of {@code source} holding {@link #pattern} with {@code seed}; FILE ranges get a file with the same bytes. */
    private static VolatileRange allocate(RangeRegistry svc, RebuildSource source, long size, long seed, Path dir)
            throws IOException {
        VolatileRange r;
        if (source == RebuildSource.FILE) {
            Path file = dir.resolve("source-" + seed + ".bin");
            Files.write(file, patternBytes(seed, size));
            r = svc.allocateFromFile(size, file, 0);
        } else {
            r = svc.allocate(size, source);
        }
        MemorySegment s = r.segment();
        for (long i = 0; i < s.byteSize(); i += 8) {
            s.set(JAVA_LONG, i, pattern(seed, i));
        }
        return r;
    }

    private Optional<String> probeSource(RangeRegistry svc, RebuildSource source, Path dir)
            throws IOException, InterruptedException {
        long seed = source.ordinal() + 1;
        step = "filling, marking and purging a " + source + " range";
        try (VolatileRange r = allocate(svc, source, RANGE_BYTES, seed, dir)) {
            r.mark();
            r.purge();
            boolean[] resident = residency(r);
            int pages = resident.length;
            int purged = 0;
            for (boolean p : resident) {
                purged += p ? 0 : 1;
            }
            if (purged == 0) {
                out.accept(new CheckLine("probe " + source, pages + " pages, none purged"));
                return Optional.of("MADV_PAGEOUT dropped no page of a marked " + source
                        + " range, so the fault path could not be checked (is MADV_FREE/MADV_PAGEOUT supported?)");
            }
            long faultsBefore = r.stats().faults();
            if (source == RebuildSource.POISON) {
                return probePoison(r, resident, purged);
            }
            step = "reading a purged " + source + " range from " + THREADS + " threads";
            long wrong = readFromThreads(r, resident, source == RebuildSource.ZERO, seed);
            long faults = r.stats().faults() - faultsBefore;
            out.accept(new CheckLine("probe " + source, pages + " pages, " + purged + " purged, " + faults + " faults, "
                    + THREADS + " threads each read every byte, " + wrong + " wrong bytes"));
            return wrong == 0 ? Optional.empty()
                    : Optional.of("a purged " + source + " range read " + wrong + " wrong bytes after its rebuild");
        }
    }

    /**
     * Each thread reads the whole range starting at its own page, so threads meet on the same purged
     * pages. A purged ZERO page must read as zeros; every other page must hold the pattern (a ZERO page
     * still resident at the purge may be dropped by real pressure before it is read, so zeros are
     * accepted there too).
     */
    private static long readFromThreads(VolatileRange r, boolean[] resident, boolean zeroSource, long seed)
            throws InterruptedException {
        MemorySegment s = r.segment();
        int pages = resident.length;
        long ps = Libc.pageSize();
        AtomicLong wrong = new AtomicLong();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int first = t * pages / THREADS;
            threads.add(start("jreclaim-doctor-reader-" + t, errors, () -> {
                long w = 0;
                for (int k = 0; k < pages; k++) {
                    int page = (first + k) % pages;
                    long vsPattern = 0, vsZero = 0;
                    for (long off = page * ps; off < (page + 1) * ps; off += 8) {
                        long v = s.get(JAVA_LONG, off);
                        vsPattern += wrongBytes(pattern(seed, off), v);
                        vsZero += wrongBytes(0, v);
                    }
                    w += !zeroSource ? vsPattern : !resident[page] ? vsZero : Math.min(vsPattern, vsZero);
                }
                wrong.addAndGet(w);
            }));
        }
        join(threads);
        if (!errors.isEmpty()) {
            IllegalStateException e = new IllegalStateException("a reader thread failed: " + errors.getFirst());
            errors.forEach(e::addSuppressed);
            throw e;
        }
        return wrong.get();
    }

    /**
     * POISON: a touch of a purged page must raise an error rather than hand back zeros (the JVM turns
     * the SIGBUS into InternalError for a plain ByteBuffer access), lock() must then say PURGED, and
     * the range must read as zeros afterwards.
     */
    private Optional<String> probePoison(VolatileRange r, boolean[] resident, int purged) throws InterruptedException {
        step = "touching purged POISON pages from " + THREADS + " threads";
        List<Integer> targets = new ArrayList<>();
        for (int p = 0; p < resident.length && targets.size() < THREADS; p++) {
            if (!resident[p]) {
                targets.add(p);
            }
        }
        long ps = Libc.pageSize();
        AtomicInteger raised = new AtomicInteger();
        AtomicInteger silent = new AtomicInteger();
        List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = new ArrayList<>();
        for (int t = 0; t < targets.size(); t++) {
            int index = (int) (targets.get(t) * ps);
            threads.add(start("jreclaim-doctor-poison-" + t, errors, () -> {
                ByteBuffer b = r.asByteBuffer();
                try {
                    b.get(index);
                    silent.incrementAndGet();
                } catch (InternalError expected) {
                    raised.incrementAndGet();
                }
            }));
        }
        join(threads);
        step = "locking the POISON range";
        LockResult lock = r.lock();
        long wrong = 0;
        MemorySegment s = r.segment();
        for (long i = 0; i < s.byteSize(); i++) {
            wrong += s.get(JAVA_BYTE, i) != 0 ? 1 : 0;
        }
        out.accept(new CheckLine("probe POISON", resident.length + " pages, " + purged + " purged, " + raised.get()
                + " of " + targets.size() + " touches from " + targets.size() + " threads raised InternalError, lock "
                + lock + ", " + wrong + " wrong bytes after lock (must read zeros)"));
        List<String> problems = new ArrayList<>();
        if (!errors.isEmpty()) {
            problems.add("a POISON touch failed unexpectedly: " + errors.getFirst());
        }
        if (silent.get() > 0) {
            problems.add(silent.get() + " touches of purged POISON pages returned silently instead of raising an error");
        }
        if (lock != LockResult.PURGED) {
            problems.add("lock() of a purged POISON range said " + lock + " instead of PURGED");
        }
        if (wrong > 0) {
            problems.add("a POISON range read " + wrong + " non-zero bytes after lock() reported it purged");
        }
        return problems.isEmpty() ? Optional.empty() : Optional.of(String.join("; ", problems));
    }

    /**
     * FileChannel.write from a purged buffer: served in full mode; EFAULT in user-mode-only mode
     * (expected), where pin() makes the same write succeed (the agent pins every JDK I/O path the same way).
     */
    private void probeIo(RangeRegistry svc, boolean lz4, Path dir, List<String> failures) throws IOException {
        RebuildSource source = unsupported(svc, RebuildSource.SNAPSHOT, lz4).isEmpty() ? RebuildSource.SNAPSHOT
                : RebuildSource.FILE;
        long seed = 42;
        boolean full = svc.mode().servesKernelAccess();
        step = "FileChannel.write from a purged " + source + " buffer";
        try (VolatileRange r = allocate(svc, source, IO_BYTES, seed, dir)) {
            r.mark();
            r.purge();
            Path unpinned = dir.resolve("io-unpinned.bin");
            try {
                writeAll(r, unpinned);
                long wrong = wrongBytesInFile(unpinned, seed, r.byteSize());
                out.accept(new CheckLine("probe I/O unpinned write", "ok, " + wrong + " wrong bytes ("
                        + (full ? "a purged " + source + " buffer is served transparently in full mode"
                                : "no purged page was met") + ")"));
                if (wrong > 0) {
                    failures.add("FileChannel.write from a purged " + source + " buffer wrote " + wrong + " wrong bytes");
                }
            } catch (IOException e) {
                boolean efault = Libc.strerror(Errno.EFAULT).equals(e.getMessage());
                if (full || !efault) {
                    out.accept(new CheckLine("probe I/O unpinned write", "failed: " + e));
                    failures.add("FileChannel.write from a purged " + source + " buffer failed in "
                            + svc.mode().description() + " mode: " + e);
                } else {
                    out.accept(new CheckLine("probe I/O unpinned write", "EFAULT (" + e.getMessage()
                            + "), as expected in user-mode-only mode: the kernel does not wait for the fault service"));
                }
            }
            step = "FileChannel.write from a pinned " + source + " buffer";
            r.purge();
            r.pin(0, r.byteSize());
            r.purge(); // a pinned page is dirty: this purge must not drop it
            Path pinned = dir.resolve("io-pinned.bin");
            try {
                writeAll(r, pinned);
                r.unpin();
                long wrong = wrongBytesInFile(pinned, seed, r.byteSize());
                out.accept(new CheckLine("probe I/O pinned write", "ok, " + wrong + " wrong bytes"));
                if (wrong > 0) {
                    failures.add("FileChannel.write from a pinned " + source + " buffer wrote " + wrong + " wrong bytes");
                }
            } catch (IOException e) {
                out.accept(new CheckLine("probe I/O pinned write", "failed: " + e));
                failures.add("FileChannel.write from a pinned " + source + " buffer failed: " + e);
            }
        } catch (NativeCallException | UnsupportedOperationException e) {
            out.accept(new CheckLine("probe I/O", "failed: " + e.getMessage()));
            failures.add("the I/O probe failed: " + e.getMessage());
        }
    }

    private static void writeAll(VolatileRange r, Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer b = r.asByteBuffer();
            while (b.hasRemaining()) {
                ch.write(b); // a short write stops at the first purged page; the next one then fails there
            }
        }
    }

    private static long wrongBytesInFile(Path file, long seed, long size) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.nativeOrder());
        long wrong = Math.abs(b.capacity() - size);
        for (int i = 0; i + 8 <= Math.min(b.capacity(), size); i += 8) {
            wrong += wrongBytes(pattern(seed, i), b.getLong(i));
        }
        return wrong;
    }

    /** Residency of each page now (mincore), taken between purge and touch. */
    private static boolean[] residency(VolatileRange r) {
        int pages = (int) (r.byteSize() / Libc.pageSize());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment vec = arena.allocate(pages);
            int rc = Libc.mincore(r.address(), r.byteSize(), vec);
            if (rc < 0) {
                throw new NativeCallException("mincore", r.toString(), -rc);
            }
            boolean[] resident = new boolean[pages];
            for (int i = 0; i < pages; i++) {
                resident[i] = (vec.get(JAVA_BYTE, i) & 1) != 0;
            }
            return resident;
        }
    }

    /** The probe's content: differs per seed, per page and per word, so a page restored in the wrong place shows. */
    static long pattern(long seed, long offset) {
        return seed * 0x9E3779B97F4A7C15L + (offset >>> 12) * 0xBF58476D1CE4E5B9L + offset + 1;
    }

    static byte[] patternBytes(long seed, long size) {
        ByteBuffer b = ByteBuffer.allocate((int) size).order(ByteOrder.nativeOrder());
        for (int i = 0; i + 8 <= size; i += 8) {
            b.putLong(i, pattern(seed, i));
        }
        return b.array();
    }

    /** How many of the 8 bytes of two words differ. */
    static int wrongBytes(long expected, long actual) {
        long x = expected ^ actual;
        int n = 0;
        for (int i = 0; i < 8; i++, x >>>= 8) {
            n += (x & 0xff) != 0 ? 1 : 0;
        }
        return n;
    }

    /** Starts a platform thread whose failure is recorded in {@code errors} instead of only printed. */
    private static Thread start(String name, List<Throwable> errors, Runnable body) {
        return Thread.ofPlatform().name(name).start(() -> {
            try {
                body.run();
            } catch (Throwable t) {
                errors.add(t);
            }
        });
    }

    private static void join(List<Thread> threads) throws InterruptedException {
        for (Thread t : threads) {
            t.join();
        }
    }

    private static String bucket(ServiceTimes t, double q) {
        return t.quantile(q).map(ServiceTimes.Bucket::describe).orElse("-");
    }

    private static String micros(long nanos) {
        if (nanos < 10_000) {
            return String.format(java.util.Locale.ROOT, "%.1f us", nanos / 1000.0);
        }
        return nanos < 10_000_000 ? (nanos / 1000) + " us" : (nanos / 1_000_000) + " ms";
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }
}
