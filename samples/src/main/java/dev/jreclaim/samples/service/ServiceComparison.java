package dev.jreclaim.samples.service;

import java.io.IOException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The same service and load in the same run: with the agent in a cgroup of {@code limitBytes}, on the plain
 * JDK in the same cgroup, and (when {@code roomyBytes > 0}) on the plain JDK in a cgroup roomy enough for
 * its whole cache, the baseline for requests per second and for the memory the agent returned.
 */
public record ServiceComparison(ServiceOutcome agent, ServiceOutcome plain, Optional<ServiceOutcome> roomy) {
    public static ServiceComparison run(ServiceRun.Settings s, ServiceRun.Service service, ServiceRun.Load load,
            long roomyBytes, Consumer<String> echo) throws IOException, InterruptedException {
        ServiceOutcome agent = ServiceRun.run(s, service, load, true, line -> echo.accept("[agent] " + line));
        echo.accept("=> " + agent.describe());
        ServiceOutcome plain = ServiceRun.run(s, service, load, false, line -> echo.accept("[plain] " + line));
        echo.accept("=> " + plain.describe());
        Optional<ServiceOutcome> roomy = Optional.empty();
        if (roomyBytes > 0) {
            ServiceOutcome r = ServiceRun.run(s.withLimit(roomyBytes), service, load, false,
                    line -> echo.accept("[plain, roomy] " + line));
            echo.accept("=> room for the cache, " + r.describe());
            roomy = Optional.of(r);
        }
        return new ServiceComparison(agent, plain, roomy);
    }

    /** Requests per second with the agent over those of the plain JDK in the roomy cgroup; NaN without that run. */
    public double requestsPerSecondRatio() {
        return roomy.map(r -> agent.load().requestsPerSecond() / r.load().requestsPerSecond()).orElse(Double.NaN);
    }

    /** The figures the demos print, one per line. */
    public String figures(long requests) {
        AgentExitLine x = agent.exitFigures();
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "with the agent (%d MiB cgroup): served %d of %d, wrong %d, errors %d, %s, cgroup peak %d MiB%n",
                agent.limitBytes() >> 20, agent.load().served(), requests, agent.load().wrong(), agent.load().errors(),
                agent.oomKilled() ? "OOM-killed" : "not OOM-killed", agent.peakBytes() >> 20));
        double snapMiB = agent.agentTimeline().maxSnapshotMiB();
        b.append(String.format(Locale.ROOT, "  pages purged and rebuilt %d (%d from snapshots), up to %d MiB purged at once,"
                + " rebuild failures %d%n  snapshot memory %s at exit, %s at most (stat); left plain (never reclaimed) %s%n",
                x.pagesRebuilt(), x.snapshotPages(), Math.round(agent.agentTimeline().maxPurgedMiB()), x.rebuildFailures(),
                x.snapshotBytes() < 0 ? "not reported by the agent" : (x.snapshotBytes() >> 20) + " MiB",
                snapMiB < 0 ? "not reported" : String.format(Locale.ROOT, "%.2f MiB", snapMiB),
                x.keptPlainBytes() < 0 ? "not reported" : (x.keptPlainBytes() >> 20) + " MiB"));
        b.append(String.format(Locale.ROOT, "plain JDK (%d MiB cgroup): served %d, %s, cgroup peak %d MiB%n",
                plain.limitBytes() >> 20, plain.load().served(), plain.oomKilled() ? "OOM-killed" : "not OOM-killed",
                plain.peakBytes() >> 20));
        roomy.ifPresent(r -> b.append(String.format(Locale.ROOT,
                "plain JDK (%d MiB cgroup, room for the whole cache): served %d, wrong %d, errors %d, cgroup peak %d MiB%n"
                        + "requests/s: %.1f with the agent, %.1f plain, ratio %.2f%n",
                r.limitBytes() >> 20, r.load().served(), r.load().wrong(), r.load().errors(), r.peakBytes() >> 20,
                agent.load().requestsPerSecond(), r.load().requestsPerSecond(), requestsPerSecondRatio())));
        return b.toString();
    }
}
