package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.VolatileRange;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Marks the ranges of on-return rules off the application's thread: the thread whose site returned only
 * queues them (one bounded-queue offer), one daemon thread marks them in batches, with every CPU's page
 * batches drained once per batch ({@link RangeRegistry#markBatch}) instead of twice per mark. A range waits
 * LOCKED until then: plain memory, never lost. A write racing its mark is kept by the mark's own protocol
 * (write-protect during the capture, MADV_FREE leaving written pages alone), as for an inline mark.
 *
 * <p>When the queue is full, or {@link #MAX_PENDING_BYTES} already wait, the application's thread marks the
 * range itself: the marker is behind, and
 * waiting would only move the cost; marking inline keeps every range reclaimable and slows the producer
 * down to the marker's speed (counted in {@link #inlineMarks()}).
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

    private final ArrayBlockingQueue<VolatileRange> queue = new ArrayBlockingQueue<>(CAPACITY);
    private final RangeRegistry ranges;
    private final Consumer<VolatileRange> mark;
    private final AtomicLong pending = new AtomicLong();
    private final AtomicLong pendingBytes = new AtomicLong();
    private final LongAdder inline = new LongAdder();
    private final LongAdder batches = new LongAdder();
    private final Thread thread;

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
        if (pendingBytes.addAndGet(bytes) > MAX_PENDING_BYTES && pendingBytes.get() != bytes) {
            pendingBytes.addAndGet(-bytes); // the marker is that far behind: this thread marks
            inline.increment();
            mark.accept(r);
            return;
        }
        pending.incrementAndGet();
        if (!queue.offer(r)) {
            pendingBytes.addAndGet(-bytes);
            done(1);
            inline.increment();
            mark.accept(r);
        }
    }

    private void run() {
        List<VolatileRange> batch = new ArrayList<>(BATCH);
        while (true) {
            try {
                batch.add(queue.take());
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, BATCH - 1);
            try {
                ranges.markBatch(() -> batch.forEach(mark));
                batches.increment();
            } catch (RuntimeException closed) {
                // The registry is closed: its ranges are gone, nothing to mark.
            } finally {
                long bytes = 0;
                for (VolatileRange r : batch) {
                    bytes += r.byteSize();
                }
                pendingBytes.addAndGet(-bytes);
                done(batch.size());
                batch.clear();
            }
        }
    }

    private void done(int n) {
        if (pending.addAndGet(-n) == 0) {
            synchronized (pending) {
                pending.notifyAll();
            }
        }
    }

    /** Waits until every range queued so far is marked (for tests and benchmarks: state after a return). */
    void awaitIdle() throws InterruptedException {
        synchronized (pending) {
            while (pending.get() != 0) {
                pending.wait(100); // notified on reaching 0; the timeout only bounds a missed notification
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
