package dev.jreclaim.agent.start;

import java.util.ArrayList;
import java.util.List;

/**
 * How long each start step took (System.nanoTime), with the heap it allocated (the heap's use grows by what is
 * allocated until the first collection, which a start rarely sees: a collection makes the figure low, never high)
 * and the CPU the whole process used meanwhile (JIT compiler threads included, from /proc/self/stat), for the
 * start-up line's total and the debug line that names the steps (docs/benchmarks.md, "Start-up and idle footprint").
 * Not thread-safe: the agent starts on one thread.
 */
final class StartClock {
    private final long begin = System.nanoTime();
    private long last = begin;
    private long lastHeap = heapUsed();
    private long lastCpu = cpuNanos();
    private final List<String> steps = new ArrayList<>();

    /** Ends the step named {@code name}, which began when the previous one ended. */
    void step(String name) {
        long now = System.nanoTime();
        long heap = heapUsed();
        long cpu = cpuNanos();
        steps.add(name + " " + millis(now - last) + " ms (cpu " + millis(cpu - lastCpu) + " ms, heap "
                + Math.max(0, (heap - lastHeap) >> 10) + " KiB)");
        last = now;
        lastHeap = heap;
        lastCpu = cpu;
    }

    /** Milliseconds since the clock was made. */
    String total() {
        return millis(System.nanoTime() - begin);
    }

    List<String> steps() {
        return List.copyOf(steps);
    }

    private static long heapUsed() {
        Runtime r = Runtime.getRuntime();
        return r.totalMemory() - r.freeMemory();
    }

    /** The process's user and system CPU time; 0 when /proc cannot say. */
    private static long cpuNanos() {
        return ProcessHandle.current().info().totalCpuDuration().map(java.time.Duration::toNanos).orElse(0L);
    }

    private static String millis(long nanos) {
        return Long.toString(Math.round(nanos / 1e6));
    }
}
