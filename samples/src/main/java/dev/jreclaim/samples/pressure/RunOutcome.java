package dev.jreclaim.samples.pressure;

import java.util.List;
import java.util.Optional;

/**
 * How one {@link WorkingSet} child ended, seen from outside: its exit, its wall time and what its memory
 * cgroup recorded.
 *
 * @param exitCode        the child's exit status (137 = killed by SIGKILL); -1 when it timed out
 * @param timedOut        the deadline passed and the child was killed by the parent
 * @param wallMillis      from start to exit, JVM start-up included
 * @param cgroupPeakBytes the cgroup's peak usage
 * @param limitHits       how often the cgroup's limit was hit
 * @param oomKills        processes the kernel's OOM killer killed in the cgroup
 * @param report          the child's own report, when it got that far
 * @param output          every line the child printed (stdout and stderr)
 */
public record RunOutcome(WorkingSetMode mode, int exitCode, boolean timedOut, long wallMillis, long cgroupPeakBytes,
        long limitHits, long oomKills, Optional<WorkingSetReport> report, List<String> output) {
    /** Exit status of a process killed by SIGKILL, as {@link Process#exitValue()} reports it. */
    public static final int SIGKILL_EXIT = 128 + 9;

    /** Killed by the kernel's OOM killer: the cgroup counted a kill, or the child died of SIGKILL we did not send. */
    public boolean oomKilled() {
        return !timedOut && (oomKills > 0 || exitCode == SIGKILL_EXIT);
    }

    /** Exited normally after reading everything back with no wrong byte. */
    public boolean verified() {
        return !timedOut && exitCode == 0
                && report.map(r -> r.wrongBytes() == 0 && r.passMillis().length == r.passes()).orElse(false);
    }

    public String describe() {
        if (timedOut) {
            return "timed out after " + wallMillis + " ms, killed";
        }
        if (oomKilled()) {
            return "OOM-killed (exit " + exitCode + ", cgroup oom_kill " + oomKills + ")";
        }
        if (verified()) {
            return "verified, exit 0";
        }
        return "failed (exit " + exitCode + report.map(r -> ", " + r.wrongBytes() + " wrong bytes").orElse("") + ")";
    }
}
