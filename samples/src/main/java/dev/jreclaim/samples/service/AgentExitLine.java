package dev.jreclaim.samples.service;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures of the agent's line at exit ({@code jreclaim.exit-summary=true}; its format:
 * docs/observability.md), each -1 when the line does not give it.
 *
 * @param pagesRebuilt      pages the fault service rebuilt on touch
 * @param snapshotPages     of those, pages rebuilt from snapshots
 * @param snapshotBytes     memory the agent held in snapshots at exit (whole MiB, as the line gives it)
 * @param rebuildFailures   rebuilds that failed
 * @param keptPlainBytes    bytes of ranges the agent left ordinary memory (never reclaimed)
 */
public record AgentExitLine(String line, long pagesRebuilt, long snapshotPages, long snapshotBytes, long rebuildFailures,
        long keptPlainBytes) {
    private static final Pattern REBUILT = Pattern.compile("(\\d+) pages rebuilt");
    private static final Pattern SNAPSHOT_PAGES = Pattern.compile("(\\d+) from snapshots");
    private static final Pattern SNAPSHOT_MIB = Pattern.compile("(\\d+) MiB in snapshots");
    private static final Pattern FAILURES = Pattern.compile("(\\d+) rebuild failures");
    private static final Pattern KEPT_PLAIN = Pattern.compile("(\\d+) MiB left plain");

    public static AgentExitLine parse(String line) {
        return new AgentExitLine(line, number(REBUILT, line), number(SNAPSHOT_PAGES, line), mib(number(SNAPSHOT_MIB, line)),
                number(FAILURES, line), mib(number(KEPT_PLAIN, line)));
    }

    public boolean present() {
        return !line.isEmpty();
    }

    private static long number(Pattern p, String line) {
        Matcher m = p.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long mib(long n) {
        return n < 0 ? n : n << 20;
    }
}
