package dev.jreclaim.agent.range;

import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_BYTES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_FAULTS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_KEPT_PAGES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_MARKS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_PAGES_POISONED;
import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_PAGES_RESTORED;
import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_PURGED_SINCE_MARK;
import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_RESIDENT_PAGES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_SNAPSHOT_BYTES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_STATE;
import static dev.jreclaim.agent.linux.NativeConstants.JR_RS_WRITTEN_PAGES;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.Mman;
import dev.jreclaim.agent.linux.NativeCallException;
import dev.jreclaim.agent.linux.NativeConstants;
import dev.jreclaim.agent.linux.NativeRange;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Page-aligned memory that the kernel may take back while it is marked (MADV_FREE), and that the
 * fault service rebuilds, or poisons, when a purged page is touched.
 *
 * <p>Use: {@link RangeRegistry#allocate} gives a zeroed LOCKED range; write it; {@link #mark()} makes it
 * volatile; read and write it at will (writes made after marking are never lost: a written page is dirty
 * and the kernel keeps it, and with write-protect the chunks written since the mark are counted,
 * {@link RangeStats#writtenBytes()}, until the next mark makes them reclaimable again); {@link #lock()} makes it non-volatile again and says whether anything was
 * lost; {@link #free()} unmaps it. The states and the protocols behind them are documented in
 * agent/src/main/c/range_state.c and range_protocol.c.
 *
 * <p>Each operation is one call into the native library, which owns the range's mapping, registration,
 * state and figures; this object holds the handle and the one fact the library cannot know, who owns the
 * mapping ({@link Owner}). Access goes through {@link #segment()} (or {@link #asByteBuffer()}), which is
 * bound to the range's lifetime: after {@link #free()} every access throws instead of touching unmapped
 * memory. Operations on one range are serialised; different ranges proceed in parallel.
 */
public final class VolatileRange implements AutoCloseable {

    /**
     * Who owns the mapping. LIBRARY while the range is in the native table; CALLER once the registry closed
     * and detached it (ordinary memory now, unmapped by {@link #free}); NOBODY once freed.
     */
    private enum Owner { LIBRARY, CALLER, NOBODY }

    private final RangeRegistry registry;
    private final NativeRange range;
    private final long byteSize;
    private final RebuildSource source;
    private final Path file;
    private final Arena scope;
    private final MemorySegment segment;
    private final Object attachment;
    private final String name;
    private final ReentrantLock op = new ReentrantLock();
    private volatile Owner owner = Owner.LIBRARY;
    /** What detach found (guarded by op): the next lock() reports it once. */
    private LockResult settled = LockResult.INTACT;
    /** rebuild:file,throw: a page may be lost although the source rebuilds (set before the first mark). */
    private volatile boolean losesPages;
    /** A mark found the range pinned, or is under way: the last unpin hands it to {@link DeferredMarks}. */
    private volatile boolean markPending;
    /** free() found the range pinned (guarded by op): the last unpin removes it. */
    private volatile boolean freePending;

    VolatileRange(RangeRegistry registry, NativeRange range, long byteSize, RebuildSource source, Path file,
            boolean scoped, Object attachment) {
        this.registry = registry;
        this.range = range;
        this.byteSize = byteSize;
        this.source = source;
        this.file = file;
        this.attachment = attachment;
        this.scope = scoped ? Arena.ofShared() : null;
        this.segment = scoped ? MemorySegment.ofAddress(range.base()).reinterpret(byteSize, scope, null) : null;
        // Built once: every call names the range for its messages, and pins run on the JDK's I/O paths.
        this.name = "range#" + range.handle() + "[0x" + Long.toHexString(range.base()) + "+" + byteSize + " " + source
                + (file != null ? " " + file : "") + "]";
    }

    /** The native handle, unique over the registry's life (a freed range's is never reused). */
    public long id() {
        return range.handle();
    }

    public long address() {
        return range.base();
    }

    public long byteSize() {
        return byteSize;
    }

    public RebuildSource source() {
        return source;
    }

    /** What the allocator attached to the range (the agent: its rule and mark state), or null. */
    public Object attachment() {
        return attachment;
    }

    /**
     * The range's memory; invalid (every access throws) once the range is freed.
     *
     * @throws IllegalStateException for an unscoped range ({@link RangeRegistry#allocateUnscoped})
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

    /** Whether the range has its own scope ({@link #segment()}), as ranges from {@link RangeRegistry#allocate} do. */
    public boolean isScoped() {
        return scope != null;
    }

    private void checkLive(String action) {
        if (owner == Owner.NOBODY) {
            throw new IllegalStateException("cannot " + action + " " + this + ": it was freed");
        }
    }

    /**
     * Makes the range volatile: registers it at the first mark, takes the snapshot (SNAPSHOT), then MADV_FREE.
     * Marking a VOLATILE range again refreshes its snapshot and makes pages written since reclaimable again.
     *
     * @throws IllegalStateException when freed, or when the fault service is closed or not running
     *                               (a range is never marked without a service to answer its faults)
     */
    public void mark() {
        RangeObserver o = RangeRegistry.observer();
        Object event = o.markBegin();
        boolean marked;
        registry.lifecycle().readLock().lock();
        op.lock();
        try {
            checkLive("mark");
            registry.checkOpen("mark " + this);
            if (owner == Owner.CALLER || !registry.service().alive()) {
                throw new IllegalStateException("cannot mark " + this + ": its fault service is not running");
            }
            // Set before the call: an unpin that empties the count while it fails with "pinned" sees it.
            markPending = true;
            marked = range.markUnlessPinned(toString());
            if (marked) {
                markPending = false;
            }
        } finally {
            op.unlock();
            registry.lifecycle().readLock().unlock();
        }
        if (marked) {
            o.markEnd(event, this);
        }
    }

    /**
     * Whether a {@link #mark()} found the range pinned and is deferred: it runs on the agent's
     * {@code jreclaim-deferred-marks} thread after the last {@link #unpin()} (docs/fault-path.md, "Pinning
     * around native access").
     */
    public boolean markPending() {
        return markPending;
    }

    /**
     * Makes the range non-volatile. O(1) for sources that rebuild on touch (ZERO, SNAPSHOT, FILE):
     * the result is INTACT and purged pages come back when touched. For POISON, every page is made
     * resident again; if any was lost the whole range is zeroed and the result is PURGED.
     */
    public LockResult lock() {
        RangeObserver o = RangeRegistry.observer();
        Object event = o.lockBegin();
        LockResult result;
        registry.lifecycle().readLock().lock();
        op.lock();
        try {
            checkLive("lock");
            if (owner == Owner.CALLER) {
                result = settled;
                settled = LockResult.INTACT;
            } else {
                result = range.lock(toString()) ? LockResult.PURGED : LockResult.INTACT;
            }
        } finally {
            op.unlock();
            registry.lifecycle().readLock().unlock();
        }
        o.lockEnd(event, this, result);
        return result;
    }

    /**
     * Pins {@code [offset, offset+length)} before its memory is handed to a system call or native code: makes it
     * resident (a no-op atomic write to each page from user mode, served by the fault service in every mode) and
     * keeps it so until {@link #unpin()}: while the range has pins it is neither marked (a {@link #mark()} is
     * deferred until the last unpin) nor unmapped (a {@link #free()} is finished by the last unpin). For a
     * volatile POISON range the library checks that no page of the span was lost, without touching one from
     * user mode (a poisoned page would crash native code): if one was, nothing is pinned and the answer is false.
     * A range freed or detached meanwhile answers true and needs no unpin beyond the usual one.
     *
     * @return true when pinned (call {@link #unpin()} once); false: a POISON page of the span was lost
     */
    public boolean pin(long offset, long length) {
        if (offset < 0 || length < 0 || offset > byteSize || length > byteSize - offset) {
            throw new IndexOutOfBoundsException(
                    "pin [" + offset + ", " + offset + "+" + length + ") is outside " + this);
        }
        registry.lifecycle().readLock().lock();
        try {
            checkLive("pin");
            // Not under op: mark and remove meet the pin count in the library, and a pin must not wait for a
            // free or a stats read. The lifecycle lock keeps the service alive for the call only.
            return owner != Owner.LIBRARY || registry.isClosed() || range.pin(offset, length, toString());
        } finally {
            registry.lifecycle().readLock().unlock();
        }
    }

    /** Ends one {@link #pin}; the last one runs a deferred mark (on another thread) or finishes a deferred free. */
    public void unpin() {
        int left;
        registry.lifecycle().readLock().lock();
        try {
            if (owner == Owner.CALLER || registry.isClosed()) {
                return; // detached: ordinary memory, its pins ended with it
            }
            left = range.unpin(toString());
        } finally {
            registry.lifecycle().readLock().unlock();
        }
        if (left == 0 && freePending) {
            finishFree();
        } else if (left == 0 && markPending && owner == Owner.LIBRARY) {
            DeferredMarks.submit(this);
        }
    }

    /** The pinned free's second half, once the last pin is gone. */
    private void finishFree() {
        registry.lifecycle().readLock().lock();
        op.lock();
        try {
            if (freePending && !registry.isClosed() && range.removeUnlessPinned(toString())) {
                freePending = false;
                registry.freedAfterUnpin(this);
            }
        } finally {
            op.unlock();
            registry.lifecycle().readLock().unlock();
        }
    }

    /**
     * Drops the range's lazyfree pages now (MADV_PAGEOUT), as memory pressure would: the deterministic purge
     * used by tests, {@code doctor} and the purge command. Pages written since the last mark are kept.
     */
    public void purge() {
        registry.lifecycle().readLock().lock();
        op.lock();
        try {
            checkLive("purge");
            if (owner == Owner.LIBRARY) {
                range.purge(toString());
            } else {
                Libc.madviseOrThrow(address(), byteSize, Mman.MADV_PAGEOUT, toString());
            }
        } finally {
            op.unlock();
            registry.lifecycle().readLock().unlock();
        }
    }

    /**
     * [offset, offset+len) of this SNAPSHOT range was just filled by a read of descriptor {@code fd} at
     * {@code position} (-1: at the descriptor's offset). No lock: a range freed meanwhile has a stale handle,
     * which the library refuses.
     *
     * @return the whole pages recorded, or -errno (nothing recorded: those pages keep their snapshot)
     */
    public int recordFileRead(long offset, long len, int fd, long position) {
        return range.provenance(offset, len, fd, position);
    }

    /**
     * Whether a page of this rebuilding range may be lost (rebuild:file,throw): the JDK's native access must be
     * pinned in every userfaultfd mode, as for POISON, so that a lost page is an exception, not a crash.
     */
    public boolean losesPages() {
        return losesPages;
    }

    /**
     * How this SNAPSHOT range's pages read from files are checked and fall back (jr_range_set_file_policy). Set
     * before the first mark.
     *
     * @param hash         a page's XXH64 at mark is compared with the bytes read back (file-check=hash)
     * @param snapshotToo  verified pages keep their bytes in the snapshot where it pays, and a page whose file
     *                     changed comes back from it (rebuild:snapshot after rebuild:file)
     * @param throwLost    a page whose file changed and that no snapshot holds is lost, as a POISON page
     *                     (rebuild:file,...,throw): {@link #losesPages()}
     * @throws IllegalArgumentException for another source
     */
    public void setFilePolicy(boolean hash, boolean snapshotToo, boolean throwLost) {
        int flags = (hash ? NativeConstants.JR_FILE_HASH : 0) | (snapshotToo ? NativeConstants.JR_FILE_SNAPSHOT : 0)
                | (throwLost ? NativeConstants.JR_FILE_THROW : 0);
        losesPages = throwLost;
        if (source != RebuildSource.SNAPSHOT) {
            throw new IllegalArgumentException(this + " has no file policy: only a SNAPSHOT range records file reads");
        }
        op.lock();
        try {
            checkLive("set the file policy of");
            if (owner == Owner.LIBRARY) {
                range.setFilePolicy(flags, toString());
            }
        } finally {
            op.unlock();
        }
    }

    /**
     * What a chunk of this SNAPSHOT range becomes when its snapshot does not pay: {@link RebuildSource#ZERO}
     * (read as zeros once purged) or null (ordinary memory, the default). Set before the first mark.
     *
     * @throws IllegalArgumentException for another source or fallback
     */
    public void fallBackTo(RebuildSource fallback) {
        if (source != RebuildSource.SNAPSHOT || (fallback != null && fallback != RebuildSource.ZERO)) {
            throw new IllegalArgumentException(this + " cannot fall back to " + fallback
                    + ": only a SNAPSHOT range has a fallback, ZERO or none");
        }
        op.lock();
        try {
            checkLive("set the fallback of");
            if (owner == Owner.LIBRARY) {
                range.setFallback(fallback == null ? NativeConstants.JR_FALLBACK_KEEP : NativeConstants.JR_FALLBACK_ZERO,
                        toString());
            }
        } finally {
            op.unlock();
        }
    }

    public RangeState state() {
        registry.lifecycle().readLock().lock();
        try {
            return switch (owner) {
                case NOBODY -> RangeState.FREE;
                case CALLER -> RangeState.LOCKED;
                case LIBRARY -> {
                    try {
                        yield RangeState.of(range.state(toString()));
                    } catch (IllegalStateException freedMeanwhile) {
                        yield RangeState.FREE;
                    }
                }
            };
        } finally {
            registry.lifecycle().readLock().unlock();
        }
    }

    /**
     * {@link RangeStats#writtenBytes()} alone, without the mincore of {@link #stats()}: what a periodic look at every
     * volatile range needs (rules/IdleMarker). 0 for a range the library does not own.
     */
    public long writtenBytes() {
        registry.lifecycle().readLock().lock();
        try {
            checkLive("read the written pages of");
            return owner == Owner.LIBRARY ? range.writtenPages(toString()) * Libc.pageSize() : 0;
        } finally {
            registry.lifecycle().readLock().unlock();
        }
    }

    public RangeStats stats() {
        registry.lifecycle().readLock().lock();
        try {
            checkLive("read stats of");
            if (owner == Owner.CALLER) {
                long resident = Libc.residentPages(address(), byteSize, toString()) * Libc.pageSize();
                return new RangeStats(RangeState.LOCKED, source, byteSize, resident, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
            }
            long[] s = range.stats(toString());
            long resident = s[JR_RS_RESIDENT_PAGES] * Libc.pageSize();
            RangeState st = RangeState.of(s[JR_RS_STATE]);
            long bytes = s[JR_RS_BYTES];
            long marks = s[JR_RS_MARKS];
            long kept = s[JR_RS_KEPT_PAGES] * Libc.pageSize();
            long written = s[JR_RS_WRITTEN_PAGES] * Libc.pageSize();
            // Volatile: what the kernel can drop now. Kept chunks were never freed; written ones are dirty.
            long droppable = st == RangeState.VOLATILE ? Math.max(0, bytes - kept - written) : 0;
            return new RangeStats(st, source, bytes, resident, droppable, marks > 0 ? bytes - resident : 0,
                    s[JR_RS_SNAPSHOT_BYTES], s[JR_RS_FAULTS], s[JR_RS_PAGES_RESTORED], s[JR_RS_PAGES_POISONED],
                    s[JR_RS_PURGED_SINCE_MARK], marks, kept, written);
        } finally {
            registry.lifecycle().readLock().unlock();
        }
    }

    /** Called by {@link RangeRegistry#close()}, which holds the lifecycle write lock. */
    void detach() {
        op.lock();
        try {
            if (freePending) { // freed while pinned: the library lets go of it; the mapping is left to the pinner
                range.detach(toString());
                freePending = false;
                return;
            }
            if (owner != Owner.LIBRARY) {
                return;
            }
            settled = range.detach(toString()) ? LockResult.PURGED : LockResult.INTACT;
            owner = Owner.CALLER;
        } finally {
            op.unlock();
        }
    }

    /** Unmaps the range. Every later access through {@link #segment()} throws. */
    public void free() {
        registry.lifecycle().readLock().lock();
        op.lock();
        try {
            checkLive("free");
            Owner was = owner;
            owner = Owner.NOBODY;
            if (scope != null) {
                scope.close(); // waits until no thread is inside an access to the segment
            }
            if (was == Owner.LIBRARY) {
                // Unregisters (waking a waiter), unmaps, closes the file; while pinned (a system call or native
                // code is using the memory: the pin was taken before the JDK's own scope check) the last unpin
                // does it. Set first, so that an unpin emptying the count after this attempt sees it.
                registry.forget(this);
                freePending = true;
                if (range.removeUnlessPinned(toString())) {
                    freePending = false;
                } else {
                    registry.freeWhenUnpinned(this);
                }
            } else {
                registry.forget(this);
                int r = Libc.munmap(address(), byteSize);
                if (r < 0) {
                    throw new NativeCallException("munmap", toString(), -r);
                }
            }
        } finally {
            op.unlock();
            registry.lifecycle().readLock().unlock();
        }
    }

    @Override
    public void close() {
        if (owner != Owner.NOBODY) {
            free();
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
