package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.pressure.PressureGauge;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RangeState;
import dev.jreclaim.agent.range.RangeStats;
import dev.jreclaim.agent.range.VolatileRange;
import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;

/**
 * Marks the ranges of idle rules once they have not been written for the rule's idle time, and marks again the
 * ranges of idle and on-return rules written since their mark once idle (docs/configuration.md,
 * {@code jreclaim.remark.idle}), from one daemon thread that looks at each range every quarter of the shortest
 * idle time (10 ms to 1 s). Explicit rules are left alone: the application marks them.
 *
 * <p>"Not written" is partly a guess, and a wrong guess must cost memory, never data. Marking never loses a
 * racing write (the write-protect protocol), so guessing early is safe.
 * <ul>
 * <li>A LOCKED range of an idle rule is marked when its {@link RangeFingerprint} has not changed for the idle
 *     time. A LOCKED range of an on-return rule is its site's to mark.
 * <li>A VOLATILE range is marked again when pages of it were written since the last mark and then no further
 *     chunk was written for the idle time. A written page is dirty, so the kernel keeps it (no write is lost)
 *     but cannot reclaim it until the range is marked again. With write-protect the library counts the chunks
 *     written since the mark ({@link RangeStats#writtenBytes()}, docs/fault-path.md, "Writes after the mark");
 *     only the first write to a chunk shows, so a range still being written to is marked again after the idle
 *     time anyway (which costs a snapshot, never a write). Without write-protect it is guessed: purged pages
 *     were touched (rebuilt, or the resident size grew above its lowest since the mark); a write to a page never
 *     purged does not show, and a read of a purged page costs one needless mark.
 * </ul>
 * A range of a mark-when=pressure rule is marked (or marked again) only while the {@link PressureGauge} says memory
 * is short; until then a due mark waits for a later look, and the idle bytes waiting count as deferred.
 * The ranges it looks at are the registry's whose {@link RangeUse} carries a {@link Watch}: there is no
 * second list. A range being freed waits until the marker has let go of it ({@link #forget}), so the marker
 * never reads unmapped memory.
 */
final class IdleMarker {
    private final SiteTracker sites;
    private volatile RangeRegistry registry;
    private final long tickNanos;
    private final LongAdder marks = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private final LongAdder remarksWritten = new LongAdder();
    private volatile boolean tracksWrites;
    /** When the last look over every range that has ended began (System.nanoTime); Long.MIN_VALUE before any. */
    private volatile long lastPassStart = Long.MIN_VALUE;
    /** The level mark-when=pressure rules' marks wait for; null without such rules. */
    private final PressureGauge pressure;
    /** Bytes of LOCKED idle ranges of mark-when=pressure rules the last pass left unmarked: memory was not short. */
    private volatile long deferredBytes;
    private long deferredThisPass;

    /** The marker's view of one range; guarded by its monitor. */
    static final class Watch {
        final long idleNanos;
        /** An idle rule's range: LOCKED ranges are marked too. Else (on-return) only written VOLATILE ones. */
        final boolean marksLocked;
        boolean gone;
        boolean marked;
        long fingerprint;
        long residentLow;
        long residentLast;
        long restoredAtMark;
        long restoredLast;
        long writtenLast;
        long since;

        Watch(long idleNanos, boolean marksLocked, long now) {
            this.idleNanos = idleNanos;
            this.marksLocked = marksLocked;
            this.since = now;
        }
    }

    IdleMarker(SiteTracker sites, Duration shortestIdle, PressureGauge pressure) {
        this.sites = sites;
        this.pressure = pressure;
        this.tickNanos = Math.clamp(shortestIdle.toNanos() / 4, 10_000_000L, 1_000_000_000L);
    }

    void start(RangeRegistry ranges) {
        this.registry = ranges;
        this.tracksWrites = ranges.writeProtect();
        Thread t = new Thread(this::run, "jreclaim-idle-marker");
        t.setDaemon(true);
        t.start();
    }

    /** The view of a new range of an idle rule, to attach to it. */
    static Watch watch(Duration idle) {
        return new Watch(idle.toNanos(), true, System.nanoTime());
    }

    /** The view of a new range of an on-return rule: marked again once written since its mark and then idle. */
    static Watch remarkOnly(Duration idle) {
        return new Watch(idle.toNanos(), false, System.nanoTime());
    }

    /** Called before the range of {@code w} is unmapped; returns once the marker no longer touches it. */
    static void forget(Watch w) {
        synchronized (w) {
            w.gone = true;
        }
    }

    long marks() {
        return marks.sum();
    }

    /** Marks of VOLATILE ranges that had pages written since their mark. */
    long remarksWritten() {
        return remarksWritten.sum();
    }

    /**
     * Waits until a look over every range that began at or after {@code nanoTime} has ended, at most
     * {@code within}: after it, every range the marker would mark by then has been marked. For tests.
     */
    boolean awaitPassStartedAfter(long nanoTime, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (lastPassStart - nanoTime < 0) {
            if (System.nanoTime() - deadline > 0) {
                return false;
            }
            Thread.sleep(Duration.ofNanos(Math.max(1_000_000L, tickNanos / 4)));
        }
        return true;
    }

    private void run() {
        sites.markAgentThread(); // its own allocations (mincore vectors, ioctl arguments) stay plain
        while (true) {
            try {
                Thread.sleep(Duration.ofNanos(tickNanos));
                long passStart = System.nanoTime();
                deferredThisPass = 0;
                for (VolatileRange r : registry.ranges()) {
                    if (r.attachment() instanceof RangeUse u && u.idle != null) {
                        synchronized (u.idle) {
                            if (!u.idle.gone) {
                                look(r, u.idle, System.nanoTime(), waitsForPressure(u));
                            }
                        }
                    }
                }
                deferredBytes = deferredThisPass;
                lastPassStart = passStart;
            } catch (InterruptedException e) {
                return;
            } catch (Throwable t) { // never end the thread: count and go on
                failures.increment();
            }
        }
    }

    /** Whether the range's rule marks only under pressure and memory is not short now. */
    private boolean waitsForPressure(RangeUse u) {
        return pressure != null && u.rule().rule().marksUnderPressureOnly() && !pressure.level().isShort();
    }

    /** Bytes of idle ranges whose mark waits for memory to be short, as of the last look over every range. */
    long deferredBytes() {
        return deferredBytes;
    }

    /** @param waits the rule marks only under pressure and memory is not short: due marks wait for the next look */
    private void look(VolatileRange r, Watch w, long now, boolean waits) {
        boolean marked = r.state() == RangeState.VOLATILE; // one look: a state read, no mincore (VolatileRange#state)
        if (!marked && !w.marksLocked) {
            return; // an on-return range waiting for its site, or locked: not this marker's
        }
        if (!marked) {
            long f = RangeFingerprint.of(r.address(), r.byteSize());
            if (w.marked || f != w.fingerprint) { // first look after a mark undone, or written
                w.marked = false;
                w.fingerprint = f;
                w.since = now;
            } else if (now - w.since >= w.idleNanos) {
                if (waits) {
                    deferredThisPass += r.byteSize(); // idle, but memory is not short: stays ordinary memory
                } else {
                    mark(r, w, now);
                }
            }
            return;
        }
        if (tracksWrites) { // the library counts what was written: restores and resident size say nothing
            long written = r.writtenBytes(); // that count alone: no mincore over every range at every look
            if (written != w.writtenLast) {
                w.writtenLast = written;
                w.since = now;
            }
            if (written > 0 && now - w.since >= w.idleNanos && !waits) { // written bytes show apart
                remarksWritten.increment();
                mark(r, w, now);
            }
            return;
        }
        RangeStats s = r.stats();
        long resident = s.residentBytes();
        if (resident != w.residentLast || s.pagesRestored() != w.restoredLast) {
            w.residentLast = resident;
            w.restoredLast = s.pagesRestored();
            w.since = now;
        }
        w.residentLow = Math.min(w.residentLow, resident);
        boolean touched = resident > w.residentLow || s.pagesRestored() > w.restoredAtMark;
        if (touched && now - w.since >= w.idleNanos && !waits) {
            mark(r, w, now);
        }
    }

    private void mark(VolatileRange r, Watch w, long now) {
        try {
            r.mark();
            marks.increment();
        } catch (RuntimeException e) {
            failures.increment();
            return;
        }
        w.marked = true;
        RangeStats s = r.stats();
        w.residentLast = w.residentLow = s.residentBytes();
        w.restoredLast = w.restoredAtMark = s.pagesRestored();
        w.writtenLast = s.writtenBytes();
        w.since = now;
    }
}
