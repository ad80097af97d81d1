package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.VolatileRange;
import java.util.Arrays;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * Marks the ranges of on-return rules off the application's thread: the thread whose site returned only
 * queues them (one array store under this object's monitor, and a wake-up only when the marker sleeps), one
 * daemon thread marks them in batches, with every CPU's page batches drained once per batch
 * ({@link RangeRegistry#markBatch}) instead of twice per mark. After a batch that emptied the queue the marker
 * naps ({@link #NAP_NANOS}) before it sleeps, so a producer that returns a buffer every few milliseconds wakes
 * nobody and several of its buffers share one drain round. A range waits
 * LOCKED until then: plain memory, never lost. A write racing its mark is kept by the mark's own protocol
 * (write-protect during the capture, MADV_FREE leaving written pages alone), as for an inline mark.
 *
 * <p>When the queue is full, or {@link #MAX_PENDING_BYTES} already wait, the application's thread marks the
 * range itself: the marker is behind, and
 * waiting would only move the cost; marking inline keeps every range reclaimable and slows the producer
 * down to the marker's speed (counted in {@link #inlineMarks()}).
 *
 * <p>Why no {@code java.util.concurrent} queue: {@link #submit} runs at the end of every on-return site, where a
 * 1 MiB fill has just pushed the agent's objects out of the CPU's caches, and, for a site called a few hundred
 * times, in the interpreter, where every method call touches its own metadata. An {@code ArrayBlockingQueue}
 * offer (lock, enqueue, signal, unlock, unpark) is some twenty calls and as many cold cache lines; here it is
 * a monitor, an array store and three fields (docs/benchmarks.md, "The application thread's share").
 */
final class BackgroundMarker {
    /** Ranges queued at most: 4096 ranges of 64 KiB (the smallest a rule takes by default) is 256 MiB. */
    static final int CAPACITY = 4096;
    /**
     * Bytes waiting for the marker (queued or in its batch) at most: past it the application's thread marks.
     * What waits is ordinary memory the kernel cannot drop, so a fast producer of large buffers (4 MiB files
     * read in a loop) must not run ahead of the marker by more than this.
     */
    static final long MAX_PENDING_BYTES = 16L << 20;
    /** Marks per batch at most: a batch's first drain must stay close to the writes it drains for. */
    static final int BATCH = 64;
    /**
     * After a batch that emptied the queue, the marker naps this long before it sleeps: what a producer queues
     * meanwhile waits for the nap's end, so the producer pays no wake-up and the next batch's drain round (a
     * migration to every CPU, docs/benchmarks.md "Where a mark's time goes") serves every range queued by then.
     */
    static final long NAP_NANOS = 2_000_000;
    /** Queued bytes that end a nap at once: a burst is marked without waiting for the nap's end. */
    static final long NAP_WAKE_BYTES = 4L << 20;

    private final RangeRegistry ranges;
    private final Consumer<VolatileRange> mark;
    private final LongAdder inline = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final Object idle = new Object();
    private final Thread thread;

    // Guarded by this: the ranges queued (swapped whole with the marker's array), their bytes, and what the
    // marker took and has not finished.
    private VolatileRange[] queued = new VolatileRange[16];
    private int queuedCount;
    private long queuedBytes;
    private int takenCount;
    private long takenBytes;
    /** The marker found nothing queued and parks until a submit unparks it. */
    private boolean sleeping;
    /** The marker found nothing queued and parks for {@link #NAP_NANOS}: a submit unparks it only for a burst. */
    private boolean napping;

    /**
     * @param mark marks one range, on the marker's thread (already the agent's own: its allocations are
     *             never taken), catching what a mark may throw
     */
    BackgroundMarker(RangeRegistry ranges, Runnable onMarkerThread, Consumer<VolatileRange> mark) {
        this.ranges = ranges;
        this.mark = mark;
        this.thread = new Thread(() -> {
            onMarkerThread.run();
            run();
        }, "jreclaim-marker");
        thread.setDaemon(true);
        thread.start();
    }

    /** Queues the range, or marks it on the calling thread when the queue is full. */
    void submit(VolatileRange r) {
        long bytes = r.byteSize();
        boolean wake;
        int n;
        synchronized (this) {
            n = queuedCount;
            long waiting = queuedBytes + takenBytes;
            // Past either bound the marker is that far behind: this thread marks (one range over the byte bound
            // is still queued when nothing else waits, or a range that large would always be marked here).
            if (n == CAPACITY || (waiting + bytes > MAX_PENDING_BYTES && waiting != 0)) {
                wake = false;
                n = -1;
            } else {
                VolatileRange[] q = queued;
                if (n == q.length) {
                    queued = q = Arrays.copyOf(q, n * 2);
                }
                q[n] = r;
                queuedCount = n + 1;
                long q2 = queuedBytes += bytes;
                wake = sleeping || (napping && (q2 >= NAP_WAKE_BYTES || n + 1 >= BATCH));
                if (wake) {
                    sleeping = napping = false;
                }
            }
        }
        if (wake) {
            LockSupport.unpark(thread);
        } else if (n < 0) {
            inline.increment();
            mark.accept(r);
        }
    }

    private void run() {
        VolatileRange[] mine = new VolatileRange[16];
        boolean napped = false;
        while (true) {
            int n;
            boolean nap = false;
            synchronized (this) {
                n = queuedCount;
                if (n == 0) {
                    takenCount = 0;
                    takenBytes = 0;
                    nap = !napped;
                    napping = nap;
                    sleeping = !nap;
                } else {
                    VolatileRange[] q = queued;
                    queued = mine.length >= q.length ? mine : new VolatileRange[q.length];
                    mine = q;
                    takenCount = n;
                    takenBytes = queuedBytes;
                    queuedCount = 0;
                    queuedBytes = 0;
                }
            }
            if (n == 0) {
                synchronized (idle) {
                    idle.notifyAll();
                }
                if (nap) {
                    LockSupport.parkNanos(this, NAP_NANOS);
                    synchronized (this) {
                        napping = false;
                    }
                    napped = true;
                    continue;
                }
                napped = false;
                while (asleep()) {
                    LockSupport.park(this);
                    if (Thread.interrupted()) {
                        return;
                    }
                }
                continue;
            }
            napped = false;
            for (int from = 0; from < n; from += BATCH) {
                markBatch(mine, from, Math.min(n, from + BATCH));
            }
            Arrays.fill(mine, 0, n, null);
        }
    }

    private synchronized boolean asleep() {
        return sleeping;
    }

    private void markBatch(VolatileRange[] rs, int from, int to) {
        try {
            ranges.markBatch(() -> {
                for (int i = from; i < to; i++) {
                    mark.accept(rs[i]);
                }
            });
            batches.increment();
        } catch (RuntimeException closed) {
            // The registry is closed: its ranges are gone, nothing to mark.
        } finally {
            long bytes = 0;
            for (int i = from; i < to; i++) {
                bytes += rs[i].byteSize();
            }
            synchronized (this) {
                takenCount -= to - from;
                takenBytes -= bytes;
            }
        }
    }

    private synchronized boolean busy() {
        return queuedCount + takenCount != 0;
    }

    /** Waits until every range queued so far is marked (for tests and benchmarks: state after a return). */
    void awaitIdle() throws InterruptedException {
        LockSupport.unpark(thread); // a nap would only delay the marks waited for
        synchronized (idle) {
            while (busy()) {
                idle.wait(100); // notified when the marker finds nothing queued; the timeout bounds a missed one
            }
        }
    }

    /** Ranges marked on the application's thread because the queue was full. */
    long inlineMarks() {
        return inline.sum();
    }

    /** Batches the marker thread ran (each with one drain before and one after). */
    long batches() {
        return batches.sum();
    }
}
