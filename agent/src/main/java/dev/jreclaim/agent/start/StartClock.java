package dev.jreclaim.agent.start;

import java.util.ArrayList;
import java.util.List;

/**
 * How long each start step took (System.nanoTime, nothing else), for the start-up line's total and the
 * debug line that names the steps. Not thread-safe: the agent starts on one thread.
 */
final class StartClock {
    private final long begin = System.nanoTime();
    private long last = begin;
    private final List<String> steps = new ArrayList<>();

    /** Ends the step named {@code name}, which began when the previous one ended. */
    void step(String name) {
        long now = System.nanoTime();
        steps.add(name + " " + millis(now - last) + " ms");
        last = now;
    }

    /** Milliseconds since the clock was made. */
    String total() {
        return millis(System.nanoTime() - begin);
    }

    List<String> steps() {
        return List.copyOf(steps);
    }

    private static String millis(long nanos) {
        return Long.toString(Math.round(nanos / 1e6));
    }
}
