package dev.jreclaim.agent.cli;

import dev.jreclaim.agent.jmx.Figures;
import dev.jreclaim.agent.jmx.ReclaimAgentMXBean;
import dev.jreclaim.agent.range.ServiceTimes;
import java.io.PrintStream;

/**
 * {@code stat <pid> [interval-ms] [count]}: one header, then one line per sample, like {@code jstat}.
 * Rates are per second over the last interval ({@code -} on the first line).
 */
final class StatCommand {
    /**
     * p99&lt;us, p50&lt;us: the fault service's time (event read to wake) over the last interval, as the upper edge of
     * the power-of-two bucket holding that quantile ({@code -} when no fault was answered). snap-MiB: snapshots
     * held (memory the kernel cannot drop); agent-MiB: the library's own memory, snapshots included; written-MiB:
     * bytes written since their mark (dirty until the next mark, and not in vol-MiB, which counts only what the
     * kernel can drop now). spill-MiB: snapshots in the spill file (on disk; its page cache the kernel may drop, not
     * the agent's memory); deferred-MiB: bytes of mark-when=pressure ranges whose mark waits for memory to be short
     * (ordinary memory, not yet marked). New columns come last, so that readers of the first ones keep working.
     */
    static final String HEADER = String.format("%8s %10s %10s %10s %10s %10s %10s %10s %10s %10s %11s %10s %10s %12s",
            "ranges", "alloc-MiB", "vol-MiB", "res-MiB", "purged-MiB", "faults/s", "rebuilt/s", "p99<us", "snap-MiB",
            "agent-MiB", "written-MiB", "p50<us", "spill-MiB", "deferred-MiB");

    private StatCommand() {}

    static void run(String[] args, PrintStream out) throws CliError, InterruptedException {
        if (args.length < 2 || args.length > 4) {
            throw new CliError("usage: stat <pid> [interval-ms] [count]");
        }
        long pid = AgentConnection.pid(args[1]);
        long interval = args.length > 2 ? positive(args[2], "interval-ms") : 1000;
        long count = args.length > 3 ? positive(args[3], "count") : Long.MAX_VALUE;
        try (AgentConnection c = AgentConnection.open(pid)) {
            ReclaimAgentMXBean agent = c.agent();
            out.println(HEADER);
            Figures previous = null;
            ServiceTimes previousTimes = null;
            long previousAt = 0;
            for (long i = 0; i < count; i++) {
                if (i > 0) {
                    Thread.sleep(interval);
                }
                Figures f;
                ServiceTimes times;
                java.util.Map<String, Long> memory;
                java.util.Map<String, Long> pressure;
                try {
                    f = agent.getTotals();
                    times = new ServiceTimes(agent.getServiceHistogram());
                    memory = agent.getAgentMemory();
                    pressure = deferred(agent);
                } catch (RuntimeException e) { // the proxy wraps the lost connection
                    throw new CliError("pid " + pid + " went away");
                }
                long at = System.nanoTime();
                ServiceTimes lastTimes = previousTimes == null ? null : times.since(previousTimes);
                out.println(String.format("%8d %10s %10s %10s %10s %10s %10s %10s %10s %10s %11s %10s %10s %12s", f.getRanges(),
                        mib(f.getAllocatedBytes()), mib(f.getVolatileBytes()), mib(f.getResidentBytes()),
                        mib(f.getPurgedBytes()),
                        rate(previous == null ? -1 : f.getFaults() - previous.getFaults(), at - previousAt),
                        rate(previous == null ? -1 : f.getPagesRebuilt() - previous.getPagesRebuilt(), at - previousAt),
                        upperMicros(lastTimes, 0.99), mib(memory.getOrDefault("snapshots", 0L)),
                        mib(memory.getOrDefault("library", 0L)), mib(f.getWrittenBytes()), upperMicros(lastTimes, 0.5),
                        mib(memory.getOrDefault("spilled", 0L)),
                        pressure == null ? "-" : mib(pressure.getOrDefault("deferred-bytes", 0L))));
                out.flush();
                previous = f;
                previousTimes = times;
                previousAt = at;
            }
        }
    }

    /** The agent's pressure figures, or null from an agent that has none (an older jar). */
    private static java.util.Map<String, Long> deferred(ReclaimAgentMXBean agent) {
        try {
            return agent.getPressure();
        } catch (java.lang.reflect.UndeclaredThrowableException | UnsupportedOperationException e) {
            return null;
        }
    }

    private static String upperMicros(ServiceTimes t, double q) {
        return t == null ? "-" : t.quantile(q).map(b -> String.format("%.1f", b.toNanos() / 1000.0)).orElse("-");
    }

    private static String mib(long bytes) {
        return String.format("%.2f", bytes / 1048576.0);
    }

    private static String rate(long delta, long nanos) {
        return delta < 0 ? "-" : String.format("%.0f", delta * 1e9 / Math.max(1, nanos));
    }

    private static long positive(String s, String what) throws CliError {
        try {
            long v = Long.parseLong(s);
            if (v > 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new CliError(what + " must be a positive number: " + s);
    }
}
