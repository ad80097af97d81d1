package dev.jreclaim.agent.range;

import java.util.concurrent.LinkedBlockingQueue;

/**
 * Marks that found their range pinned (a system call or native code was using it), retried once its last pin
 * is gone. The last {@link VolatileRange#unpin()} runs inside a JDK I/O, zip or mismatch method, where a mark
 * (a snapshot, MADV_FREE) has no place: it hands the range to this one daemon thread, started at the first
 * deferral. A range pinned again by then defers again, and is handed over by its next last unpin.
 */
final class DeferredMarks {
    private static final LinkedBlockingQueue<VolatileRange> QUEUE = new LinkedBlockingQueue<>();
    private static Thread thread;

    private DeferredMarks() {}

    static void submit(VolatileRange r) {
        start();
        QUEUE.offer(r);
    }

    private static synchronized void start() {
        if (thread == null) {
            thread = Thread.ofPlatform().daemon().name("jreclaim-deferred-marks").start(DeferredMarks::run);
        }
    }

    private static void run() {
        while (true) {
            VolatileRange r;
            try {
                r = QUEUE.take();
            } catch (InterruptedException e) {
                return;
            }
            if (!r.markPending()) {
                continue;
            }
            try {
                r.mark();
            } catch (RuntimeException freedOrClosed) {
                // freed, or its service closed, meanwhile: nothing left to mark
            }
        }
    }
}
