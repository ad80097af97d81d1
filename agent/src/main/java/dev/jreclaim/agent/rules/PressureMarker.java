package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.pressure.PressureGauge;
import dev.jreclaim.agent.pressure.PressureLevel;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.VolatileRange;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Marks the ranges of mark-when=pressure rules once memory is short, and not before (docs/configuration.md,
 * {@code mark-when}). A site's return only appends its ranges to {@link DeferredRanges}: they stay LOCKED, ordinary
 * memory, with no snapshot, no MADV_FREE and no write-protect, so while memory is plentiful they cost what the
 * plain JDK's buffers cost. One daemon thread polls the {@link PressureGauge} every {@link #POLL} ({@link #POLL_FAR}
 * while no range waits or more than twice the level's clearing point is left) and, while the level is SHORT, marks the
 * waiting ranges oldest first in batches ({@link RangeRegistry#markBatch}), polling again after each batch, until
 * the level clears or none waits. At CRITICAL the thread returning from the site pays: it marks waiting ranges, the
 * oldest first, at least as many bytes as it has just added, before its call returns; the producer slows to the
 * marker's speed instead of the container being OOM-killed; so does a thread allocating a range of such a rule at
 * CRITICAL, before it fills it ({@link #allocated}). A thread that allocated an eighth of the headroom since the last
 * poll polls the level itself, so that the back-pressure never waits for the marker's thread to be scheduled. Nothing
 * is ever un-marked when pressure goes away:
 * marked ranges stay volatile.
 *
 * <p>A freed range leaves the list in {@link #forget} (its RangeUse's node, O(1)); one taken out for marking and
 * freed meanwhile is what {@code SiteTracker.markOne} already meets for the background marker.
 */
final class PressureMarker {
    /** The poll's period near the headroom (less than twice the level's clearing point left). */
    static final Duration POLL = Duration.ofMillis(10);
    /**
     * Its period far from it, or while no range waits: a poll costs a pread or two (memory.usage_in_bytes 5-15 µs,
     * /proc/meminfo 20-25 µs, memory.stat 35-90 µs measured here under load), so 0.05-0.2% of a core instead of up
     * to 0.9%; a fast producer still gets a poll at its nudge, and a range deferred while short asks for one.
     */
    static final Duration POLL_FAR = Duration.ofMillis(50);
    /** Ranges and bytes per batch at most: the level is polled again after each. */
    static final int BATCH = 16;
    static final long BATCH_BYTES = 16L << 20;

    private final PressureGauge gauge;
    private final DeferredRanges deferred = new DeferredRanges();
    private final Consumer<VolatileRange> mark;
    private final AtomicLong sincePoll = new AtomicLong();
    private final LongAdder marked = new LongAdder();
    private final LongAdder markedBytes = new LongAdder();
    private final LongAdder backPressure = new LongAdder();
    private final LongAdder backPressureBytes = new LongAdder();
    private final LongAdder failures = new LongAdder();
    private volatile RangeRegistry ranges;
    private volatile Thread thread;

    /** @param mark marks one range, catching what a mark may throw (SiteTracker's) */
    PressureMarker(PressureGauge gauge, Consumer<VolatileRange> mark) {
        this.gauge = gauge;
        this.mark = mark;
        gauge.poll(); // the level is right from the first allocation on
    }

    PressureGauge gauge() {
        return gauge;
    }

    /** Starts the polling and marking thread over {@code registry}; {@code onThread} runs first on it. */
    synchronized void start(RangeRegistry registry, Runnable onThread) {
        this.ranges = registry;
        if (thread != null) {
            return;
        }
        Thread t = new Thread(() -> {
            onThread.run();
            run();
        }, "jreclaim-pressure");
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /**
     * A range of a mark-when=pressure rule was just allocated, untouched (its pages are charged when it is filled), on
     * the allocating thread inside agent work. Once an eighth of the headroom was allocated since the last poll, this
     * thread polls the gauge itself instead of only nudging the marker's thread: that thread may be in the middle of a
     * batch of marks, or not be scheduled at all on a loaded machine, while the application fills memory faster than
     * it marks, and a level left stale at SHORT holds back the back-pressure below (the blob-cache sample was
     * OOM-killed in its 256 MiB cgroup at load average 10-13 with no lazily freed page left, docs/benchmarks.md). At
     * most one poll (a pread or two, 5-90 µs) per eighth of the headroom allocated. At CRITICAL this thread first
     * marks the oldest waiting ranges worth its size, so that the fill finds reclaimable memory instead of an OOM kill.
     */
    void allocated(VolatileRange r) {
        long bytes = r.byteSize();
        PressureLevel level = gauge.level();
        if (sincePoll.addAndGet(bytes) >= nudgeBytes()) {
            sincePoll.set(0);
            level = gauge.poll(); // counted in the gauge's polls, as the marker's own
        }
        if (level == PressureLevel.CRITICAL) {
            markOldest(bytes, backPressure, backPressureBytes);
        }
        if (level.isShort()) {
            nudge();
        }
    }

    private void nudge() {
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
        }
    }

    /**
     * A site of a mark-when=pressure rule returned normally with {@code ended}, on the application's thread (inside
     * agent work): they wait; at CRITICAL this thread first marks the oldest waiting ranges worth their bytes.
     */
    void returned(List<VolatileRange> ended) {
        long bytes = 0;
        for (VolatileRange r : ended) {
            if (r.attachment() instanceof RangeUse u) {
                deferred.add(r, u);
                bytes += r.byteSize();
            }
        }
        PressureLevel level = gauge.level();
        if (level == PressureLevel.CRITICAL) {
            markOldest(bytes, backPressure, backPressureBytes);
        }
        if (level.isShort()) {
            nudge(); // a range waits while short: the marker marks it without waiting for its period
        }
    }

    /** An eighth of the headroom, at least 1 MiB: what may be deferred between two polls before one is asked for. */
    private long nudgeBytes() {
        return Math.max(1L << 20, gauge.headroomBytes() / 8);
    }

    /** The range of {@code use} is being freed: it no longer waits. */
    void forget(RangeUse use) {
        deferred.remove(use);
    }

    /**
     * One poll, then while memory is short, batches of the oldest waiting ranges marked, the level polled after
     * each. The thread's whole work; tests call it to step the marker by hand.
     */
    void pass() {
        sincePoll.set(0);
        PressureLevel level = gauge.poll();
        while (level.isShort()) {
            if (markOldest(BATCH_BYTES, marked, markedBytes) == 0) {
                return;
            }
            level = gauge.poll();
        }
    }

    /** Marks the oldest waiting ranges, at least {@code bytes} of them while any waits; the bytes marked. */
    private long markOldest(long bytes, LongAdder count, LongAdder counted) {
        long done = 0;
        while (done < bytes) {
            List<VolatileRange> batch = deferred.takeOldest(BATCH, bytes - done);
            if (batch.isEmpty()) {
                break;
            }
            RangeRegistry registry = this.ranges;
            try {
                if (registry == null) {
                    batch.forEach(mark);
                } else {
                    registry.markBatch(() -> batch.forEach(mark));
                }
            } catch (RuntimeException closed) {
                failures.increment(); // the registry is closed: its ranges are gone
                return done;
            }
            for (VolatileRange r : batch) {
                done += r.byteSize();
            }
            count.add(batch.size());
            counted.add(batch.stream().mapToLong(VolatileRange::byteSize).sum());
        }
        return done;
    }

    private void run() {
        while (true) {
            long headroom = gauge.headroomBytes();
            // Nothing waiting: nothing to mark, whatever the level (a range deferred at SHORT or above asks for a poll).
            boolean far = deferred.isEmpty() || (gauge.level() == PressureLevel.NONE
                    && gauge.availableBytes() / 2 > PressureLevel.clearAbove(headroom));
            LockSupport.parkNanos(this, (far ? POLL_FAR : POLL).toNanos());
            if (Thread.interrupted()) {
                return;
            }
            try {
                pass();
            } catch (Throwable t) { // never end the thread: count and go on
                failures.increment();
            }
        }
    }

    /** The figures of deferred marking (what stat and the MBean show). */
    PressureFigures figures(long idleDeferredBytes) {
        return new PressureFigures(gauge.level(), gauge.availableBytes(), gauge.headroomBytes(), gauge.limitBytes(),
                deferred.bytes() + idleDeferredBytes, deferred.ranges(), deferred.everDeferred(), marked.sum(),
                markedBytes.sum(), backPressure.sum(), backPressureBytes.sum(), gauge.rises(), gauge.criticals(),
                gauge.polls(), gauge.pollNanos(), failures.sum());
    }
}
