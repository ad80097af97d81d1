package dev.jreclaim.samples.blobcache;

import java.util.List;

/**
 * What one run of the blob-cache service under load came to.
 *
 * @param withAgent   whether the service ran with {@code -javaagent}
 * @param load        the load driver's result (responses served and checked)
 * @param exitCode    the service's exit code once stopped (137: SIGKILL, which the OOM killer sends)
 * @param oomKills    the cgroup's OOM-kill count
 * @param peakBytes   the cgroup's peak memory
 * @param limitBytes  the cgroup's limit
 * @param agentLines  the lines the agent printed ({@code jreclaim: ...})
 * @param timeline    the cgroup's memory sampled while the service ran
 * @param agentTimeline the agent's own figures over the run ({@code stat}), empty without the agent
 */
public record ServiceOutcome(boolean withAgent, LoadDriver.Result load, int exitCode, long oomKills, long peakBytes,
        long limitBytes, List<String> agentLines, MemoryTimeline timeline, AgentTimeline agentTimeline) {
    public static final int SIGKILL_EXIT = 128 + 9;

    /** The agent's line at exit ({@code jreclaim.exit-summary=true}), or "" when there is none. */
    public String exitSummary() {
        return agentLines.stream().filter(l -> l.startsWith("jreclaim: at exit:")).findFirst().orElse("");
    }

    /** Pages the agent rebuilt on touch, from its exit line; -1 without one. */
    public long pagesRebuilt() {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+) pages rebuilt").matcher(exitSummary());
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    public boolean oomKilled() {
        return oomKills > 0 || exitCode == SIGKILL_EXIT;
    }

    public String describe() {
        return (withAgent ? "with the agent" : "plain JDK") + ": " + load.line() + ", "
                + (oomKilled() ? "OOM-killed" : "exit " + exitCode) + ", cgroup peak " + (peakBytes >> 20) + " MiB of "
                + (limitBytes >> 20) + " MiB" + (pagesRebuilt() >= 0 ? ", " + pagesRebuilt() + " pages purged and rebuilt" : "");
    }
}
