package dev.jreclaim.agent.range.stress;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Threads that repeat one step each until the run ends: after a bounded time, or at once when any
 * step throws (the first failure is what a test reports, so the run does not go on to bury it).
 */
final class StressRun {
    /** One iteration of a worker; it must return in bounded time. */
    interface Step {
        void run() throws Exception;
    }

    private final List<Thread> threads = new ArrayList<>();
    private final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
    private final CountDownLatch stopped = new CountDownLatch(1);

    void start(String name, Step step) {
        Thread t = new Thread(() -> {
            try {
                while (!isStopped()) {
                    step.run();
                }
            } catch (Throwable e) {
                failures.add(new AssertionError(Thread.currentThread().getName() + " failed: " + e, e));
                stop();
            }
        }, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    boolean isStopped() {
        return stopped.getCount() == 0;
    }

    void stop() {
        stopped.countDown();
    }

    /** Runs for {@code duration} or until a step fails, then stops every worker and waits for it. */
    void runFor(Duration duration) throws InterruptedException {
        awaitStop(duration);
        stopAndJoin();
    }

    /** Waits until the run is stopped or {@code timeout} has passed; returns whether it is stopped. */
    boolean awaitStop(Duration timeout) throws InterruptedException {
        return stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops every worker and waits (at most 30 s) until each has ended. */
    void stopAndJoin() throws InterruptedException {
        stop();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        for (Thread t : threads) {
            t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            if (t.isAlive()) {
                throw new AssertionError("worker " + t.getName() + " did not stop within 30 s:\n" + stacks());
            }
        }
    }

    List<Throwable> failures() {
        return List.copyOf(failures);
    }

    /** Fails with the first worker failure, the others suppressed. */
    void assertNoFailure() {
        List<Throwable> all = failures();
        if (!all.isEmpty()) {
            AssertionError e = new AssertionError(all.size() + " worker(s) failed; first: " + all.get(0).getMessage(),
                    all.get(0));
            all.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }

    private static String stacks() {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            sb.append('"').append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
            for (StackTraceElement f : e.getValue()) {
                sb.append("    at ").append(f).append('\n');
            }
        }
        return sb.toString();
    }
}
