package dev.jreclaim.agent.start;

import dev.jreclaim.agent.linux.Libc;

/**
 * Gives back what the agent's start left behind (docs/benchmarks.md, "Footprint: where it goes"), at premain only:
 * <ul>
 * <li>the heap its garbage touched (about 15 MiB of eden, mostly FFM's linking: G1 keeps used regions resident until
 * the heap shrinks): one full collection before the application's main runs, when the heap holds nothing of the
 * application, so it costs milliseconds; G1 then uncommits the regions its sizing does not keep. A no-op under
 * {@code -XX:+DisableExplicitGC}; none with {@code jreclaim.start.collect=false} (docs/configuration.md), for a
 * service whose GC log must show no collection it did not cause. An attached agent never collects the application's
 * heap;
 * <li>the free memory of the malloc arenas (malloc_trim), now and once more {@link #SETTLED_TRIM_MILLIS} later: C2's
 * arena chunks from compiling the start's code (about 8 MiB) are freed by the JVM only after its chunk pool cleaner
 * runs (every 5 s), and glibc keeps what was freed inside an arena until trimmed.
 * </ul>
 */
final class StartLeftovers {
    /** When the second trim runs, after the JVM's chunk pool cleaner (every 5 s) freed the compilers' chunks. */
    static final long SETTLED_TRIM_MILLIS = 7_000;

    private StartLeftovers() {}

    static void release(boolean collect) {
        if (collect) {
            System.gc();
        }
        trim();
        // A short-lived daemon thread with a small stack: its stack is unmapped when it ends.
        Thread later = new Thread(null, new SettledTrim(), "jreclaim-start-trim", 128 << 10);
        later.setDaemon(true);
        later.start();
    }

    private static void trim() {
        try {
            Libc.mallocTrim();
        } catch (RuntimeException | LinkageError e) {
            // no malloc_trim (not glibc): nothing to give back this way
        }
    }

    private static final class SettledTrim implements Runnable {
        @Override
        public void run() {
            try {
                Thread.sleep(SETTLED_TRIM_MILLIS); // a delay, not a wait for a condition: nothing signals the cleaner
            } catch (InterruptedException e) {
                return;
            }
            trim();
        }
    }
}
