package dev.jreclaim.agent.start;

import java.util.ArrayList;
import java.util.List;

/**
 * How long each start step took (System.nanoTime), with the heap it allocated (the heap's use grows by what is
 * allocated until the first collection, which a start rarely sees: a collection makes the figure low, never high)
 * and the CPU the whole process used meanwhile (JIT compiler threads included, from /proc/self/stat, in steps of
 * 10 ms), for the
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

    /**
     * The process's user and system CPU time (utime + stime of /proc/self/stat, proc(5), in clock ticks of 10 ms:
     * USER_HZ is 100 on x86_64); 0 when /proc cannot say. Not ProcessHandle.Info, whose class initialisation alone
     * costs a start milliseconds.
     */
    private static long cpuNanos() {
        try {
            String stat = new String(java.nio.file.Files.readAllBytes(java.nio.file.Path.of("/proc/self/stat")),
                    java.nio.charset.StandardCharsets.US_ASCII);
            // Fields after the command name (which may hold spaces, so after its closing parenthesis): state is 3rd.
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
        } catch (java.io.IOException | RuntimeException e) {
            return 0;
        }
    }

    private static String millis(long nanos) {
        return Long.toString(Math.round(nanos / 1e6));
    }
}
