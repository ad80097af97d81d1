package dev.jreclaim.agent.range.stress;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.Mman;
import dev.jreclaim.agent.range.RangeState;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A range shared by the threads of {@link RangeConcurrencyTest}: filled once with its pattern before it
 * is shared, never written after, so any reader can check every byte.
 */
final class LiveRange {
    final VolatileRange range;
    /**
     * Taken (shared) by the simulated memory pressure around its madvise, and (exclusive) around free():
     * pressure must never madvise an address after it was unmapped and perhaps reused. It does not
     * serialise anything in the range itself.
     */
    private final ReentrantReadWriteLock unmapGuard = new ReentrantReadWriteLock();

    LiveRange(VolatileRange range) {
        this.range = range;
        RangePattern.fill(range.segment(), range.id());
    }

    /**
     * Checks every long of the range: SNAPSHOT must read its pattern; ZERO its pattern or zeros (a purged
     * page). Returns the wrong bytes found, or -1 when the range was freed under the reader.
     */
    long verify(StringBuilder firstErrors) {
        MemorySegment s = range.segment();
        long wrong = 0;
        try {
            for (long off = 0; off < s.byteSize(); off += 8) {
                long v = s.get(JAVA_LONG, off);
                long want = RangePattern.at(range.id(), off);
                if (v != want && !(v == 0 && range.source() == RebuildSource.ZERO)) {
                    wrong += RangePattern.wrongBytes(v, want);
                    if (firstErrors.length() < 2000) {
                        firstErrors.append(range).append(" offset ").append(off).append(": read ")
                                .append(Long.toHexString(v)).append(", expected ").append(Long.toHexString(want))
                                .append(" (").append(statsOrFreed()).append(")\n");
                    }
                }
            }
            return wrong;
        } catch (IllegalStateException e) {
            return freedMeanwhile(e) && wrong == 0 ? -1 : wrong;
        }
    }

    private String statsOrFreed() {
        try {
            return range.stats().toString();
        } catch (IllegalStateException e) {
            return "freed since";
        }
    }

    /** What memory pressure does, without the range's lock: drop its clean lazyfree pages now. */
    void pageout() {
        if (!unmapGuard.readLock().tryLock()) {
            return; // being freed
        }
        try {
            if (range.state() != RangeState.FREE) {
                Libc.madvise(range.address(), range.byteSize(), Mman.MADV_PAGEOUT);
            }
        } finally {
            unmapGuard.readLock().unlock();
        }
    }

    void free() {
        unmapGuard.writeLock().lock();
        try {
            range.free();
        } finally {
            unmapGuard.writeLock().unlock();
        }
    }

    /** True when {@code e} is what an operation on a range freed by another thread throws; else rethrows it. */
    boolean freedMeanwhile(IllegalStateException e) {
        if (range.state() == RangeState.FREE) {
            return true;
        }
        throw e;
    }
}
