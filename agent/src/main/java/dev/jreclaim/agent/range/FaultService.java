package dev.jreclaim.agent.range;

import dev.jreclaim.agent.linux.Errno;
import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.Mman;
import dev.jreclaim.agent.linux.NativeCallException;
import dev.jreclaim.agent.linux.ServiceLibrary;
import dev.jreclaim.agent.linux.UffdAbi;
import dev.jreclaim.agent.linux.Userfaultfd;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The fault service: one userfaultfd and the native thread that answers its faults
 * (agent/src/main/c/fault_service.c), plus the ranges registered with it.
 *
 * <p>Lifecycle. {@link #start} opens the best userfaultfd this process may (see {@link Userfaultfd})
 * and starts the thread. {@link #close} first settles every live range, so that no page of it can be
 * purged any more and every purged page has been rebuilt (POISON ranges lose their purged pages and
 * report PURGED at their next lock), then unregisters the ranges (which wakes any waiter), stops the
 * thread and closes the descriptor. No thread is ever left waiting on a fault that nobody will
 * answer, and no purged page reads as silent zeros after close. Ranges stay usable as ordinary
 * memory afterwards and can still be freed; marking them throws.
 */
public final class FaultService implements AutoCloseable {

    /**
     * @param mode           userfaultfd mode to insist on, or null for the best available
     * @param capacity       how many ranges may be live at once
     * @param chunkPages     pages per snapshot chunk, which is also how many pages one fault restores at most
     * @param maxRangeBytes  largest range {@link #allocate} accepts
     */
    public record Options(Userfaultfd.Mode mode, int capacity, int chunkPages, long maxRangeBytes) {
        public static Options defaults() {
            return new Options(null, 1 << 18, 16, 1L << 40);
        }

        public Options withMode(Userfaultfd.Mode m) {
            return new Options(m, capacity, chunkPages, maxRangeBytes);
        }
    }

    /** Totals over a set of ranges at one moment (ranges freed meanwhile are left out). */
    public record Accounting(int ranges, long bytes, long volatileBytes, long residentBytes, long purgedBytes,
            long snapshotBytes, long faults, long pagesRestored) {
        public static Accounting of(Iterable<VolatileRange> of) {
            int n = 0;
            long bytes = 0, vol = 0, res = 0, purged = 0, snap = 0, faults = 0, restored = 0;
            for (VolatileRange r : of) {
                RangeStats s;
                try {
                    s = r.stats();
                } catch (IllegalStateException freedMeanwhile) {
                    continue;
                }
                n++;
                bytes += s.bytes();
                vol += s.volatileBytes();
                res += s.residentBytes();
                purged += s.purgedBytes();
                snap += s.snapshotBytes();
                faults += s.faults();
                restored += s.pagesRestored();
            }
            return new Accounting(n, bytes, vol, res, purged, snap, faults, restored);
        }
    }

    private final ServiceLibrary lib;
    private final Userfaultfd uffd;
    private final long svc;
    private final boolean writeProtect;
    private final Options options;
    private final ConcurrentHashMap<Long, VolatileRange> ranges = new ConcurrentHashMap<>();
    /** Readers: operations that use the native service. Writer: close. */
    private final ReentrantReadWriteLock lifecycle = new ReentrantReadWriteLock();
    private volatile boolean closed;
    private final java.util.concurrent.atomic.LongAdder locksIntact = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder locksPurged = new java.util.concurrent.atomic.LongAdder();

    private FaultService(ServiceLibrary lib, Userfaultfd uffd, long svc, boolean writeProtect, Options options) {
        this.lib = lib;
        this.uffd = uffd;
        this.svc = svc;
        this.writeProtect = writeProtect;
        this.options = options;
    }

    public static FaultService start() {
        return start(Options.defaults());
    }

    /**
     * @throws dev.jreclaim.agent.linux.UserfaultfdUnavailableException when no userfaultfd is permitted
     * @throws NativeCallException when the kernel refuses the handshake or the thread cannot start
     */
    public static FaultService start(Options options) {
        if (options.capacity() <= 0 || options.chunkPages() <= 0 || options.chunkPages() > 4096) {
            throw new IllegalArgumentException("fault service options out of range: capacity " + options.capacity()
                    + " (must be > 0), chunkPages " + options.chunkPages() + " (must be 1..4096)");
        }
        ServiceLibrary lib = ServiceLibrary.get();
        long wanted = UffdAbi.UFFD_FEATURE_PAGEFAULT_FLAG_WP | UffdAbi.UFFD_FEATURE_THREAD_ID
                | UffdAbi.UFFD_FEATURE_POISON;
        Userfaultfd uffd = Userfaultfd.open(options.mode(), wanted);
        boolean wp = uffd.has(UffdAbi.UFFD_FEATURE_PAGEFAULT_FLAG_WP);
        long r = lib.serviceStart(uffd.fd(), wp ? ServiceLibrary.SVC_WP : 0, options.capacity(), options.chunkPages());
        if (r < 0) {
            uffd.close();
            throw new NativeCallException("jr_service_start", "userfaultfd " + uffd.fd(), (int) -r);
        }
        return new FaultService(lib, uffd, r, wp, options);
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
            return !closed && lib.serviceAlive(svc) == 1;
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
        return allocate(size, source, -1, 0, null, true);
    }

    /**
     * Like {@link #allocate}, for memory whose owner guards access itself: the JDK buffer or arena
     * segment the agent gives it to. The range has no {@link VolatileRange#segment()}, and so no shared
     * arena whose close, at every free, would handshake with every thread of the JVM.
     */
    public VolatileRange allocateUnscoped(long size, RebuildSource source) {
        if (source == null || source == RebuildSource.FILE) {
            throw new IllegalArgumentException("an unscoped range needs a rebuild source other than FILE, got " + source);
        }
        return allocate(size, source, -1, 0, null, false);
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
            return allocate(size, RebuildSource.FILE, fd, offset, file, true);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    private VolatileRange allocate(long size, RebuildSource source, int fd, long offset, Path file, boolean scoped) {
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
            long id = VolatileRange.nextId();
            String what = "range#" + id + "[" + length + " bytes " + source + "]";
            long base = Libc.mmapAnonymous(length);
            if (base < 0) {
                throw new NativeCallException("mmap", what, (int) -base);
            }
            long handle = -1;
            try {
                Libc.madvise(base, length, Mman.MADV_NOHUGEPAGE); // khugepaged would make restored pages undroppable
                handle = lib.rangeAdd(svc, base, length, source.code(), fd, offset);
                if (handle < 0) {
                    String why = handle == -Errno.ENOSPC ? " (the range table holds " + options.capacity() + " ranges)"
                            : handle == -Errno.ENOPKG ? " (liblz4.so.1 is not installed: apt-get install liblz4-1)" : "";
                    throw new NativeCallException("jr_range_add" + why, what, (int) -handle);
                }
                VolatileRange range = new VolatileRange(this, id, handle, base, length, source, fd, file, scoped);
                ranges.put(id, range);
                return range;
            } catch (RuntimeException e) {
                if (handle >= 0) {
                    lib.rangeRemove(svc, handle);
                }
                Libc.munmap(base, length);
                throw e;
            }
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    void countLock(LockResult r) {
        (r == LockResult.PURGED ? locksPurged : locksIntact).increment();
    }

    /** How many {@link VolatileRange#lock()} calls on this service's ranges said INTACT and PURGED. */
    public java.util.Map<LockResult, Long> lockResults() {
        return java.util.Map.of(LockResult.INTACT, locksIntact.sum(), LockResult.PURGED, locksPurged.sum());
    }

    void checkOpen(String action) {
        if (closed) {
            throw new IllegalStateException("cannot " + action + ": the fault service is closed");
        }
    }

    ServiceLibrary lib() {
        return lib;
    }

    long handle() {
        return svc;
    }

    Userfaultfd uffd() {
        return uffd;
    }

    ReentrantReadWriteLock lifecycle() {
        return lifecycle;
    }

    void forget(VolatileRange range) {
        ranges.remove(range.id());
    }

    /** The live ranges. */
    public Collection<VolatileRange> ranges() {
        return List.copyOf(ranges.values());
    }

    /** Number of live ranges according to the native table (equals {@code ranges().size()} when consistent). */
    public int nativeLiveRanges() {
        lifecycle.readLock().lock();
        try {
            return closed ? 0 : lib.serviceLiveRanges(svc);
        } finally {
            lifecycle.readLock().unlock();
        }
    }

    public FaultCounters counters() {
        lifecycle.readLock().lock();
        try {
            checkOpen("read counters");
            return FaultCounters.of(lib.serviceCounters(svc), lib.serviceHistogram(svc));
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
            lib.serviceSetTestDelay(svc, delay.toNanos());
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
            lib.serviceSetTestDelay(svc, 0);
            List<RuntimeException> failures = new ArrayList<>();
            for (VolatileRange r : ranges()) {
                try {
                    r.detach();
                } catch (RuntimeException e) {
                    failures.add(e);
                }
            }
            closed = true;
            lib.serviceStop(svc);
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
        return "FaultService[" + uffd.mode().description() + ", features " + UffdAbi.featureNames(uffd.features())
                + (closed ? ", closed" : "") + "]";
    }
}
