package dev.jreclaim.agent.range;

import dev.jreclaim.agent.jfr.RangeEvents;
import dev.jreclaim.agent.linux.Errno;
import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.Mman;
import dev.jreclaim.agent.linux.NativeCallException;
import dev.jreclaim.agent.linux.ServiceLibrary;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Page-aligned memory that the kernel may take back while it is marked (MADV_FREE), and that the
 * fault service rebuilds, or poisons, when a purged page is touched.
 *
 * <p>Use: {@link FaultService#allocate} gives a zeroed LOCKED range; write it; {@link #mark()}
 * makes it volatile; read and write it at will (writes made after marking are never lost: a written
 * page is dirty and the kernel keeps it); {@link #lock()} makes it non-volatile again and says
 * whether anything was lost; {@link #free()} unmaps it. The states and the protocols behind them are
 * documented in agent/src/main/c/range_protocol.c.
 *
 * <p>Access goes through {@link #segment()} (or {@link #asByteBuffer()}), which is bound to the
 * range's lifetime: after {@link #free()} every access throws instead of touching unmapped memory.
 * Operations on one range are serialised; different ranges proceed in parallel.
 */
public final class VolatileRange implements AutoCloseable {
    private static final AtomicLong IDS = new AtomicLong();

    private final FaultService service;
    private final long id;
    private final long handle;
    private final long address;
    private final long byteSize;
    private final RebuildSource source;
    private final int fileFd;
    private final Path file;
    private final Arena scope;
    private final MemorySegment segment;
    private final ReentrantLock op = new ReentrantLock();
    private volatile boolean freed;
    /** The service was closed: the range is ordinary memory now, unregistered. */
    private volatile boolean detached;
    /** Registered with the userfaultfd (done at the first mark). */
    private boolean registered;
    private volatile LockResult settledResult = LockResult.INTACT;

    VolatileRange(FaultService service, long id, long handle, long address, long byteSize, RebuildSource source,
            int fileFd, Path file, boolean scoped) {
        this.service = service;
        this.id = id;
        this.handle = handle;
        this.address = address;
        this.byteSize = byteSize;
        this.source = source;
        this.fileFd = fileFd;
        this.file = file;
        this.scope = scoped ? Arena.ofShared() : null;
        this.segment = scoped ? MemorySegment.ofAddress(address).reinterpret(byteSize, scope, null) : null;
    }

    static long nextId() {
        return IDS.incrementAndGet();
    }

    public long id() {
        return id;
    }

    public long address() {
        return address;
    }

    public long byteSize() {
        return byteSize;
    }

    public RebuildSource source() {
        return source;
    }

    /**
     * The range's memory; invalid (every access throws) once the range is freed.
     *
     * @throws IllegalStateException for an unscoped range ({@link FaultService#allocateUnscoped})
     */
    public MemorySegment segment() {
        if (segment == null) {
            throw new IllegalStateException(this + " is unscoped: its memory is reached through the JDK buffer or"
                    + " segment that owns it, whose own lifetime guards every access");
        }
        return segment;
    }

    /** A direct ByteBuffer over the range, bound to its lifetime like {@link #segment()}. */
    public ByteBuffer asByteBuffer() {
        return segment().asByteBuffer();
    }

    /** Whether the range has its own scope ({@link #segment()}), as ranges from {@link FaultService#allocate} do. */
    public boolean isScoped() {
        return scope != null;
    }

    private void checkLive(String action) {
        if (freed) {
            throw new IllegalStateException("cannot " + action + " " + this + ": it was freed");
        }
    }

    private RuntimeException failure(String call, int errno) {
        return switch (errno) {
            case Errno.EBADF -> new IllegalStateException("cannot " + call + " " + this + ": it was freed");
            case Errno.EBUSY -> new IllegalStateException(
                    "cannot " + call + " " + this + ": another thread is marking or locking it");
            case Errno.EOPNOTSUPP -> new UnsupportedOperationException("cannot " + call + " " + this
                    + ": a SNAPSHOT range needs the kernel's UFFD_FEATURE_PAGEFAULT_FLAG_WP, which this userfaultfd lacks");
            default -> new NativeCallException("jr_range_" + call, toString(), errno);
        };
    }

    /**
     * Makes the range volatile: takes the snapshot (SNAPSHOT), then MADV_FREE. Marking a VOLATILE
     * range again refreshes its snapshot and makes pages written since reclaimable again.
     *
     * @throws IllegalStateException when freed, or when the fault service is closed or not running
     *                               (a range is never marked without a service to answer its faults)
     */
    public void mark() {
        Object event = RangeEvents.markBegin();
        op.lock();
        service.lifecycle().readLock().lock();
        try {
            checkLive("mark");
            service.checkOpen("mark " + this);
            if (detached || service.lib().serviceAlive(service.handle()) != 1) {
                throw new IllegalStateException("cannot mark " + this + ": its fault service is not running");
            }
            if (!registered) {
                service.uffd().register(address, byteSize, service.writeProtect(), toString());
                registered = true;
            }
            int r = service.lib().rangeMark(service.handle(), handle);
            if (r < 0) {
                throw failure("mark", -r);
            }
            RangeEvents.markEnd(event, id, address, byteSize, source.name());
        } finally {
            service.lifecycle().readLock().unlock();
            op.unlock();
        }
    }

    /**
     * Makes the range non-volatile. O(1) for sources that rebuild on touch (ZERO, SNAPSHOT, FILE):
     * the result is INTACT and purged pages come back when touched. For POISON, every page is made
     * resident again; if any was lost the whole range is zeroed and the result is PURGED.
     */
    public LockResult lock() {
        Object event = RangeEvents.lockBegin();
        LockResult result = lockNow();
        RangeEvents.lockEnd(event, id, address, byteSize, source.name(), result.name());
        return result;
    }

    private LockResult lockNow() {
        op.lock();
        service.lifecycle().readLock().lock();
        try {
            checkLive("lock");
            if (detached) {
                LockResult r = settledResult;
                settledResult = LockResult.INTACT;
                return r;
            }
            int r = service.lib().rangeLock(service.handle(), handle);
            if (r < 0) {
                throw failure("lock", -r);
            }
            LockResult result = r == ServiceLibrary.PURGED ? LockResult.PURGED : LockResult.INTACT;
            service.countLock(result);
            return result;
        } finally {
            service.lifecycle().readLock().unlock();
            op.unlock();
        }
    }

    /**
     * Makes {@code [offset, offset+length)} resident and unreclaimable until the next mark, by a
     * no-op atomic write to each page from user mode (served by the fault service in every mode).
     * Call it before handing the range's memory to a system call when the service runs in
     * user-mode-only mode, where the kernel's own access to a purged page fails with EFAULT.
     * Not for POISON ranges (a poisoned page would crash native code): lock those.
     */
    public void pin(long offset, long length) {
        if (offset < 0 || length < 0 || offset > byteSize || length > byteSize - offset) {
            throw new IndexOutOfBoundsException(
                    "pin [" + offset + ", " + offset + "+" + length + ") is outside " + this);
        }
        op.lock();
        service.lifecycle().readLock().lock();
        try {
            checkLive("pin");
            if (detached) {
                return;
            }
            int r = service.lib().rangePin(service.handle(), handle, offset, length);
            if (r == -Errno.EINVAL) {
                throw new UnsupportedOperationException("cannot pin " + this + ": lock() a POISON range instead");
            }
            if (r < 0) {
                throw failure("pin", -r);
            }
        } finally {
            service.lifecycle().readLock().unlock();
            op.unlock();
        }
    }

    /**
     * Drops the range's lazyfree pages now (MADV_PAGEOUT), as memory pressure would: the deterministic
     * purge used by tests, {@code doctor} and the purge command. Pages written since the last mark are kept.
     */
    public void purge() {
        op.lock();
        try {
            checkLive("purge");
            service.lifecycle().readLock().lock();
            try {
                if (!service.isClosed()) {
                    service.lib().serviceDrainCpus(service.handle()); // pages parked in other CPUs' batches
                }
            } finally {
                service.lifecycle().readLock().unlock();
            }
            Libc.madviseOrThrow(address, byteSize, Mman.MADV_PAGEOUT, toString());
        } finally {
            op.unlock();
        }
    }

    public RangeState state() {
        if (freed) {
            return RangeState.FREED;
        }
        if (detached) {
            return RangeState.LOCKED;
        }
        service.lifecycle().readLock().lock();
        try {
            if (freed) {
                return RangeState.FREED;
            }
            return RangeState.of((int) service.lib().rangeStats(service.handle(), handle)[ServiceLibrary.RS_STATE]);
        } finally {
            service.lifecycle().readLock().unlock();
        }
    }

    public RangeStats stats() {
        service.lifecycle().readLock().lock();
        try {
            checkLive("read stats of");
            if (detached) {
                long resident = Libc.residentPages(address, byteSize, toString()) * Libc.pageSize();
                return new RangeStats(RangeState.LOCKED, source, byteSize, resident, 0, 0, 0, 0, 0, 0, 0, 0);
            }
            long[] s = service.lib().rangeStats(service.handle(), handle);
            // mincore after the counters: a page restored in between then shows as resident and not yet
            // restored, never as both absent and restored (PurgeSampler relies on it)
            long resident = Libc.residentPages(address, byteSize, toString()) * Libc.pageSize();
            RangeState st = RangeState.of((int) s[ServiceLibrary.RS_STATE]);
            long marks = s[ServiceLibrary.RS_MARKS];
            return new RangeStats(st, source, byteSize, resident, st == RangeState.VOLATILE ? byteSize : 0,
                    marks > 0 ? byteSize - resident : 0, s[ServiceLibrary.RS_SNAPSHOT_BYTES], s[ServiceLibrary.RS_FAULTS],
                    s[ServiceLibrary.RS_PAGES_RESTORED], s[ServiceLibrary.RS_PAGES_POISONED],
                    s[ServiceLibrary.RS_PURGED_SINCE_MARK], marks);
        } finally {
            service.lifecycle().readLock().unlock();
        }
    }

    /** Called by {@link FaultService#close()} (which holds the lifecycle write lock). */
    void detach() {
        op.lock();
        try {
            if (freed || detached) {
                return;
            }
            int r = service.lib().rangeSettle(service.handle(), handle);
            if (r < 0) {
                throw failure("settle", -r);
            }
            settledResult = r == ServiceLibrary.PURGED ? LockResult.PURGED : LockResult.INTACT;
            if (registered) {
                service.uffd().unregister(address, byteSize);
            }
            service.lib().rangeRemove(service.handle(), handle);
            detached = true;
        } finally {
            op.unlock();
        }
    }

    /** Unmaps the range. Every later access through {@link #segment()} throws. */
    public void free() {
        op.lock();
        try {
            checkLive("free");
            freed = true;
            if (scope != null) {
                scope.close(); // waits until no thread is inside an access to the segment
            }
            service.lifecycle().readLock().lock();
            try {
                if (!detached) {
                    int r = service.lib().rangeRemove(service.handle(), handle);
                    if (r < 0 && r != -Errno.EBADF) {
                        throw failure("remove", -r);
                    }
                    if (registered) {
                        service.uffd().unregister(address, byteSize); // wakes a waiter, if any
                    }
                }
            } finally {
                service.lifecycle().readLock().unlock();
            }
            int r = Libc.munmap(address, byteSize);
            if (fileFd >= 0) {
                Libc.close(fileFd);
            }
            service.forget(this);
            if (r < 0) {
                throw new NativeCallException("munmap", toString(), -r);
            }
        } finally {
            op.unlock();
        }
    }

    @Override
    public void close() {
        if (!freed) {
            free();
        }
    }

    @Override
    public String toString() {
        return "range#" + id + "[0x" + Long.toHexString(address) + "+" + byteSize + " " + source
                + (file != null ? " " + file : "") + "]";
    }
}
