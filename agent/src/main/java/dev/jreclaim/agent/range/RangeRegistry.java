package dev.jreclaim.agent.range;

import dev.jreclaim.agent.linux.Errno;
import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.Mman;
import dev.jreclaim.agent.linux.NativeCallException;
import dev.jreclaim.agent.linux.NativeConstants;
import dev.jreclaim.agent.linux.NativeRange;
import dev.jreclaim.agent.linux.NativeService;
import dev.jreclaim.agent.linux.UffdAbi;
import dev.jreclaim.agent.linux.Userfaultfd;
import dev.jreclaim.agent.log.AgentLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The live volatile ranges of one userfaultfd, by base address, and the native fault service that answers
 * their faults (agent/src/main/c/fault_service.c). This is the one Java registry of ranges: a range
 * carries what its user attaches to it (the agent: its rule and mark state); every other fact about it
 * (state, registration, residency, counters) is the native table's, read through {@link VolatileRange}.
 *
 * <p>Lifecycle. {@link #start} opens the best userfaultfd this process may (see {@link Userfaultfd})
 * and starts the service. {@link #close} first detaches every live range: the library settles it (no page
 * can be purged any more, every purged page is rebuilt; POISON ranges lose their purged pages and report
 * PURGED at their next lock), unregisters it (which wakes any waiter) and hands its mapping over; then it
 * stops the service and closes the descriptor. No thread is ever left waiting on a fault that nobody will
 * answer, and no purged page reads as silent zeros after close. Ranges stay usable as ordinary memory
 * afterwards and can still be freed; marking them throws.
 *
 * <p>Locks: the lifecycle lock (read: any operation that uses the native service; write: close) is always
 * taken before a range's own operation lock.
 */
public final class RangeRegistry implements AutoCloseable {

    /**
     * @param mode           userfaultfd mode to insist on, or null for the best available
     * @param capacity       how many ranges may be live at once
     * @param chunkPages     pages per snapshot chunk, which is also how many pages one fault restores at most
     * @param maxRangeBytes  largest range {@link #allocate} accepts
     * @param recycleMaxBytes the most freed, never-marked ranges' slots may hold for the next range of their size
     *                       ({@code jreclaim.memory.recycle-max}; 0: none)
     */
    public record Options(Userfaultfd.Mode mode, int capacity, int chunkPages, long maxRangeBytes,
            int snapshotMinRatioPct, long snapshotMaxBytes, int maxOpenFiles, long recycleMaxBytes, int spillMode,
            String spillDir) {
        /** No snapshot spill file. */
        public Options(Userfaultfd.Mode mode, int capacity, int chunkPages, long maxRangeBytes, int snapshotMinRatioPct,
                long snapshotMaxBytes, int maxOpenFiles, long recycleMaxBytes) {
            this(mode, capacity, chunkPages, maxRangeBytes, snapshotMinRatioPct, snapshotMaxBytes, maxOpenFiles,
                    recycleMaxBytes, NativeConstants.JR_SPILL_OFF, null);
        }

        /** The snapshot limits of jreclaim.snapshot.min-ratio and max-memory at their defaults. */
        public Options(Userfaultfd.Mode mode, int capacity, int chunkPages, long maxRangeBytes) {
            this(mode, capacity, chunkPages, maxRangeBytes, NativeConstants.JR_SNAPSHOT_MIN_RATIO_PCT, 512L << 20);
        }

        /** jreclaim.file.max-open and jreclaim.memory.recycle-max at their defaults. */
        public Options(Userfaultfd.Mode mode, int capacity, int chunkPages, long maxRangeBytes, int snapshotMinRatioPct,
                long snapshotMaxBytes) {
            this(mode, capacity, chunkPages, maxRangeBytes, snapshotMinRatioPct, snapshotMaxBytes,
                    NativeConstants.JR_DEFAULT_MAX_OPEN_FILES, NativeConstants.JR_RECYCLE_MAX_DEFAULT);
        }

        public static Options defaults() {
            return new Options(null, 1 << 18, 16, 1L << 40);
        }

        public Options withSnapshotLimits(int minRatioPct, long maxBytes) {
            return new Options(mode, capacity, chunkPages, maxRangeBytes, minRatioPct, maxBytes, maxOpenFiles,
                    recycleMaxBytes, spillMode, spillDir);
        }

        public Options withMode(Userfaultfd.Mode m) {
            return new Options(m, capacity, chunkPages, maxRangeBytes, snapshotMinRatioPct, snapshotMaxBytes, maxOpenFiles,
                    recycleMaxBytes, spillMode, spillDir);
        }

        public Options withMaxOpenFiles(int n) {
            return new Options(mode, capacity, chunkPages, maxRangeBytes, snapshotMinRatioPct, snapshotMaxBytes, n,
                    recycleMaxBytes, spillMode, spillDir);
        }

        public Options withRecycleMax(long bytes) {
            return new Options(mode, capacity, chunkPages, maxRangeBytes, snapshotMinRatioPct, snapshotMaxBytes,
                    maxOpenFiles, bytes, spillMode, spillDir);
        }

        /** The snapshot spill file in dir by mode (JR_SPILL_*; docs/fault-path.md, "Spilling snapshots to a file"). */
        public Options withSpill(int mode, String dir) {
            return new Options(this.mode, capacity, chunkPages, maxRangeBytes, snapshotMinRatioPct, snapshotMaxBytes,
                    maxOpenFiles, recycleMaxBytes, mode, dir);
        }
    }

    /**
     * Test-only (not a configuration key): the library's mapping budget, in mappings of the whole process,
     * instead of {@code JR_MAP_RESERVE_PERCENT} of {@code vm.max_map_count}; lets a test exhaust mappings
     * without changing the machine.
     */
    public static final String TEST_MAP_LIMIT_PROPERTY = "dev.jreclaim.test.map-limit";

    private static volatile RangeObserver observer = RangeObserver.NONE;

    private final Userfaultfd uffd;
    private final NativeService service;
    private final boolean writeProtect;
    private final Options options;
    private final String spill;
    private final ConcurrentHashMap<Long, VolatileRange> live = new ConcurrentHashMap<>();
    /** The same ranges, ordered, for {@link #holding}; the hash map stays for the hot lookup by base. */
    private final ConcurrentSkipListMap<Long, VolatileRange> byBase = new ConcurrentSkipListMap<>();
    private final java.util.Set<VolatileRange> pinnedFrees = ConcurrentHashMap.newKeySet();
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;

    private RangeRegistry(Userfaultfd uffd, NativeService service, boolean writeProtect, Options options, String spill) {
        this.spill = spill;
        this.uffd = uffd;
        this.service = service;
        this.writeProtect = writeProtect;
        this.options = options;
    }

    public static RangeRegistry start() {
        return start(Options.defaults());
    }

    /**
     * @throws dev.jreclaim.agent.linux.UserfaultfdUnavailableException when no userfaultfd is permitted
     * @throws NativeCallException when the kernel refuses the handshake or the thread cannot start
     */
    public static RangeRegistry start(Options options) {
        if (options.capacity() <= 0 || options.chunkPages() <= 0
                || options.chunkPages() > NativeConstants.JR_MAX_CHUNK_PAGES) {
            throw new IllegalArgumentException("fault service options out of range: capacity " + options.capacity()
                    + " (must be > 0), chunkPages " + options.chunkPages() + " (must be 1.."
                    + NativeConstants.JR_MAX_CHUNK_PAGES + ")");
        }
        long wanted = UffdAbi.UFFD_FEATURE_PAGEFAULT_FLAG_WP | UffdAbi.UFFD_FEATURE_THREAD_ID
                | UffdAbi.UFFD_FEATURE_POISON;
        Userfaultfd uffd = Userfaultfd.open(options.mode(), wanted);
        boolean wp = uffd.has(UffdAbi.UFFD_FEATURE_PAGEFAULT_FLAG_WP);
        try {
            NativeService svc = NativeService.start(uffd.fd(), wp, options.capacity(), options.chunkPages());
            String spill;
            try {
                svc.setSnapshotLimits(options.snapshotMinRatioPct(), options.snapshotMaxBytes());
                svc.setMaxOpenFiles(options.maxOpenFiles());
                svc.setRecycleMax(options.recycleMaxBytes());
                spill = openSpill(svc, options);
            } catch (RuntimeException e) {
                svc.stop();
                throw e;
            }
            try {
                String limit = System.getProperty(TEST_MAP_LIMIT_PROPERTY);
                if (limit != null) {
                    svc.setMapLimit(Long.parseLong(limit.strip()));
                }
            } catch (RuntimeException e) {
                svc.stop();
                throw new IllegalArgumentException(TEST_MAP_LIMIT_PROPERTY + " must be a number of mappings >= 0, got "
                        + System.getProperty(TEST_MAP_LIMIT_PROPERTY), e);
            }
            return new RangeRegistry(uffd, svc, wp, options, spill);
        } catch (RuntimeException | Error e) {
            uffd.close();
            throw e;
        }
    }

    /**
     * Runs {@code marks} (calls of {@link VolatileRange#mark()}) on this thread with every CPU's page batches
     * drained once before and once after, instead of twice per mark: the background marker's batches.
     */
    public void markBatch(Runnable marks) {
        lifecycle.readLock().lock();
        try {
            checkOpen("mark");
            NativeService.markBatch(service, true);
        } finally {
            lifecycle.readLock().unlock();
        }
        try {
            marks.run();
        } finally {
            lifecycle.readLock().lock();
            try {
                NativeService.markBatch(closed ? null : service, false);
            } finally {
                lifecycle.readLock().unlock();
            }
        }
    }

    /** Who is told about marks and locks (the JFR events); one per JVM. */
    public static void observe(RangeObserver o) {
        observer = o == null ? RangeObserver.NONE : o;
    }

    static RangeObserver observer() {
        return observer;
    }

    public Userfaultfd.Mode mode() {
        return uffd.mode();
    }

    /** The userfaultfd features granted by the kernel. */
    public long features() {
        return uffd.features();
    }

    /** Whether restored pages are made reclaimable again (needs UFFD_FEATURE_PAGEFAULT_FLAG_WP). */
    public boolean writeProtect() {
        return writeProtect;
    }

    public Options options() {
        return options;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Whether the service thread is running and answering faults. */
    public boolean isAlive() {
        lifecycle.readLock().lock();
        try {
            return !closed && service.alive();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * Allocates a page-aligned range of at least {@code size} bytes, zeroed and LOCKED. It joins the
     * service's range table now and is registered with the userfaultfd at its first mark: before that
     * nothing of it can be purged, so first touches stay ordinary kernel faults (fresh pages are zero).
     */
    public VolatileRange allocate(long size, RebuildSource source) {
        if (source == null) {
            throw new IllegalArgumentException("rebuild source must not be null");
        }
        if (source == RebuildSource.FILE) {
            throw new IllegalArgumentException("a FILE range needs its file: use allocateFromFile(size, file, offset)");
        }
        return allocate(size, source, -1, 0, null, true, null);
    }

    /**
     * Like {@link #allocate}, for memory whose owner guards access itself: the JDK buffer or arena segment the
     * agent gives it to. The range has no {@link VolatileRange#segment()}, and so no shared arena whose close,
     * at every free, would handshake with every thread of the JVM.
     *
     * @param attachment what the caller keeps with the range ({@link VolatileRange#attachment()})
     */
    public VolatileRange allocateUnscoped(long size, RebuildSource source, Object attachment) {
        if (source == null || source == RebuildSource.FILE) {
            throw new IllegalArgumentException("an unscoped range needs a rebuild source other than FILE, got " + source);
        }
        return allocate(size, source, -1, 0, null, false, attachment);
    }

    /** Allocates a range whose purged pages are read back from {@code file} at {@code offset}. */
    public VolatileRange allocateFromFile(long size, Path file, long offset) {
        if (offset < 0 || offset % Libc.pageSize() != 0) {
            throw new IllegalArgumentException("file offset must be a non-negative multiple of the page size ("
                    + Libc.pageSize() + "), got " + offset + " for " + file);
        }
        int fd = Libc.open(file.toString(), Mman.O_RDONLY | Mman.O_CLOEXEC);
        if (fd < 0) {
            throw new NativeCallException("open", file.toString(), -fd);
        }
        try {
            return allocate(size, RebuildSource.FILE, fd, offset, file, true, null);
        } catch (RuntimeException e) {
            Libc.close(fd); // the library takes the descriptor only when the range is added
            throw e;
        }
    }

    private VolatileRange allocate(long size, RebuildSource source, int fd, long offset, Path file, boolean scoped,
            Object attachment) {
        if (size <= 0) {
            throw new IllegalArgumentException("range size must be positive, got " + size);
        }
        if (size > options.maxRangeBytes()) {
            throw new IllegalArgumentException("range size " + size + " exceeds the largest allowed, "
                    + options.maxRangeBytes() + " bytes");
        }
        long ps = Libc.pageSize();
        long length = (size + ps - 1) / ps * ps;
        lifecycle.readLock().lock();
        try {
            checkOpen("allocate a range");
            NativeRange n = NativeRange.add(service, length, source.code(), fd, offset,
                    "a new range [" + length + " bytes " + source + (file != null ? " " + file : "") + "]");
            VolatileRange range = new VolatileRange(this, n, length, source, file, scoped, attachment);
            live.put(range.address(), range);
            byBase.put(range.address(), range);
            return range;
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /**
     * The snapshot spill file of {@link Options#spillMode}: a directory that cannot hold one (tmpfs or ramfs, whose pages
     * are memory; or one the file cannot be made in) leaves snapshots past the memory limit plain memory, said once here.
     * Returns what {@link #spill()} tells.
     */
    private static String openSpill(NativeService svc, Options options) {
        if (options.spillMode() == NativeConstants.JR_SPILL_OFF || options.spillDir() == null) {
            return "off";
        }
        try {
            svc.setSpill(options.spillDir(), options.spillMode());
            return "a file in " + options.spillDir();
        } catch (NativeCallException e) {
            String why = e.errno() == Errno.EXDEV
                    ? options.spillDir() + " is tmpfs or ramfs, whose pages are memory: a spill there pays nothing"
                    : "no file can be made in " + options.spillDir() + ": " + Errno.describe(e.errno());
            String line = "no snapshot spill file (jreclaim.snapshot.spill-dir): " + why
                    + "; snapshots past jreclaim.snapshot.max-memory stay plain memory";
            if (e.errno() == Errno.EXDEV) {
                AgentLog.info(line);
            } else {
                AgentLog.warn(line);
            }
            return "none (" + why + ")";
        }
    }

    /** Where snapshots past the memory limit go: "off", "a file in DIR", or "none (why)". */
    public String spill() {
        return spill;
    }

    /** Changes the snapshot limits of {@link Options} from the next chunk marked on (tests flip them under load). */
    public void setSnapshotLimits(int minRatioPct, long maxBytes) {
        lifecycle.readLock().lock();
        try {
            checkOpen("set the snapshot limits");
            service.setSnapshotLimits(minRatioPct, maxBytes);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    void checkOpen(String action) {
        if (closed) {
            throw new IllegalStateException("cannot " + action + ": the fault service is closed");
        }
    }

    NativeService service() {
        return service;
    }

    ReentrantReadWriteLock lifecycle() {
        return lifecycle;
    }

    void forget(VolatileRange range) {
        live.remove(range.address(), range);
        byBase.remove(range.address(), range);
    }

    /** A range freed while pinned: out of the lookups, still in the library's table until its last unpin. */
    void freeWhenUnpinned(VolatileRange range) {
        pinnedFrees.add(range);
    }

    void freedAfterUnpin(VolatileRange range) {
        pinnedFrees.remove(range);
    }

    /** The live range whose memory starts at {@code address}, or null. */
    public VolatileRange byAddress(long address) {
        return live.get(address);
    }

    /**
     * The live range that holds {@code address} anywhere in it (a buffer's position, a slice), or null: the
     * floor entry of an ordered map, O(log n). For the pins around native access.
     */
    public VolatileRange holding(long address) {
        java.util.Map.Entry<Long, VolatileRange> e = byBase.floorEntry(address);
        if (e == null) {
            return null;
        }
        VolatileRange r = e.getValue();
        return address - r.address() < r.byteSize() ? r : null;
    }

    /** The live ranges, a snapshot. */
    public Collection<VolatileRange> ranges() {
        return List.copyOf(live.values());
    }

    /** How many ranges are live, without copying them. */
    public int liveCount() {
        return live.size();
    }

    /** Number of live ranges according to the native table (equals {@link #liveCount()} when consistent). */
    public int nativeLiveRanges() {
        lifecycle.readLock().lock();
        try {
            return closed ? 0 : service.liveRanges();
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    public FaultCounters counters() {
        lifecycle.readLock().lock();
        try {
            checkOpen("read counters");
            return FaultCounters.of(service.counters(), service.histogram());
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** How many {@link VolatileRange#lock()} calls said INTACT and PURGED (counted by the library). */
    public java.util.Map<LockResult, Long> lockResults() {
        return counters().lockResults();
    }

    /** The ranges' regions and the mapping budget, from the library. */
    public RangeMemory memory() {
        lifecycle.readLock().lock();
        try {
            checkOpen("read the ranges' memory");
            return RangeMemory.of(service.memory());
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    /** The mapping budget: no new mapping past {@code limit} mappings in the process; 0 restores the default. */
    public void setMappingLimit(long limit) {
        lifecycle.readLock().lock();
        try {
            checkOpen("set the mapping limit");
            service.setMapLimit(limit);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    public Accounting accounting() {
        return Accounting.of(ranges());
    }

    /**
     * Fault injection for tests: the service waits this long before answering each fault, to widen
     * race windows (a range freed while its fault is in flight, a close during faults).
     */
    public void injectServiceDelayForTesting(Duration delay) {
        lifecycle.readLock().lock();
        try {
            checkOpen("inject a delay");
            service.setTestDelay(delay.toNanos());
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    @Override
    public void close() {
        lifecycle.writeLock().lock();
        try {
            if (closed) {
                return;
            }
            service.setTestDelay(0);
            List<RuntimeException> failures = new ArrayList<>();
            List<VolatileRange> all = new ArrayList<>(ranges());
            all.addAll(pinnedFrees);
            pinnedFrees.clear();
            for (VolatileRange r : all) {
                try {
                    r.detach();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
            closed = true;
            service.stop();
            uffd.close();
            if (!failures.isEmpty()) {
                IllegalStateException e = new IllegalStateException(
                        "fault service closed, but " + failures.size() + " range(s) could not be settled");
                failures.forEach(e::addSuppressed);
                throw e;
            }
        } finally {
            lifecycle.writeLock().unlock();
        }
    }

    @Override
    public String toString() {
        return "RangeRegistry[" + uffd.mode().description() + ", features " + UffdAbi.featureNames(uffd.features())
                + (closed ? ", closed" : "") + "]";
    }
}
