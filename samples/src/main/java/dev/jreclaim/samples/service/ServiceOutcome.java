package dev.jreclaim.samples.service;

import java.util.List;

/**
 * What one run of a service under load came to.
 *
 * @param withAgent   whether the service ran with {@code -javaagent}
 * @param load        the load's result (responses served and checked)
 * @param exitCode    the service's exit code once stopped (137: SIGKILL, which the OOM killer sends)
 * @param oomKills    the cgroup's OOM-kill count
 * @param peakBytes   the cgroup's peak memory
 * @param limitBytes  the cgroup's limit
 * @param agentLines  the lines the agent printed ({@code jreclaim: ...})
 * @param timeline    the cgroup's memory sampled while the service ran
 * @param agentTimeline the agent's own figures over the run ({@code stat}), empty without the agent
 */
public record ServiceOutcome(boolean withAgent, HttpLoad.Result load, int exitCode, long oomKills, long peakBytes,
        long limitBytes, List<String> agentLines, MemoryTimeline timeline, AgentTimeline agentTimeline) {
    public static final int SIGKILL_EXIT = 128 + 9;

    /**
     * How far above {@code memory.max} the cgroup's {@code memory.peak} may go without the service having
     * outgrown its limit. The kernel force-charges some allocations past the limit rather than fail them
     * (mm/memcontrol.c, {@code try_charge_memcg}: {@code __GFP_HIGH}/{@code __GFP_NOFAIL} go to "force"):
     * socket buffers charged in softirq ({@code GFP_ATOMIC}) and a stream socket's send queue
     * ({@code __sk_mem_raise_allocated}). A service answering HTTP on loopback gets a few such pages; seen
     * in CI: the peak printed as 128 MiB of 128 MiB yet above the limit.
     */
    public static final long FORCED_CHARGE_ALLOWANCE = 4L << 20;

    /** The agent's line at exit ({@code jreclaim.exit-summary=true}), or "" when there is none. */
    public String exitSummary() {
        return agentLines.stream().filter(l -> l.startsWith("jreclaim: at exit:")).findFirst().orElse("");
    }

    /** The figures of {@link #exitSummary()}. */
    public AgentExitLine exitFigures() {
        return AgentExitLine.parse(exitSummary());
    }

    /** Pages the agent rebuilt on touch, from its exit line; -1 without one. */
    public long pagesRebuilt() {
        return exitFigures().pagesRebuilt();
    }

    public boolean oomKilled() {
        return oomKills > 0 || exitCode == SIGKILL_EXIT;
    }

    /** Whether the cgroup's peak stayed within its limit, but for {@link #FORCED_CHARGE_ALLOWANCE}. */
    public boolean peakWithinLimit() {
        return peakBytes <= limitBytes + FORCED_CHARGE_ALLOWANCE;
    }

    /** Whether every one of {@code requests} requests was served with the right bytes. */
    public boolean servedAllRight(long requests) {
        return load.served() == requests && load.wrong() == 0 && load.errors() == 0;
    }

    public String describe() {
        AgentExitLine x = exitFigures();
        return (withAgent ? "with the agent" : "plain JDK") + ": " + load.line() + " ("
                + String.format(java.util.Locale.ROOT, "%.1f", load.requestsPerSecond()) + " requests/s), "
                + (oomKilled() ? "OOM-killed" : "exit " + exitCode) + ", cgroup peak " + (peakBytes >> 20) + " MiB of "
                + (limitBytes >> 20) + " MiB" + (peakBytes > limitBytes ? " (" + (peakBytes - limitBytes) + " bytes over it)" : "")
                + (agentTimeline.maxPurgedMiB() > 0 ? ", up to " + Math.round(agentTimeline.maxPurgedMiB()) + " MiB purged at once" : "")
                + (x.pagesRebuilt() >= 0 ? ", " + x.pagesRebuilt() + " pages purged and rebuilt (" + x.snapshotPages()
                        + " from snapshots)" : "")
                + (withAgent ? ", snapshot memory " + (x.snapshotBytes() < 0 ? "not reported" : (x.snapshotBytes() >> 20) + " MiB") : "");
    }
}
