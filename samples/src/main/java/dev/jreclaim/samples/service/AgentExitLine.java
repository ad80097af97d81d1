package dev.jreclaim.samples.service;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The figures of the agent's line at exit ({@code jreclaim.exit-summary=true}; its format:
 * docs/observability.md), each -1 when the line does not give it.
 *
 * @param pagesRebuilt      pages the fault service rebuilt on touch
 * @param snapshotPages     of those, pages rebuilt from snapshots
 * @param snapshotBytes     memory the agent held in snapshots at exit
 * @param rebuildFailures   rebuilds that failed
 */
public record AgentExitLine(String line, long pagesRebuilt, long snapshotPages, long snapshotBytes, long rebuildFailures) {
    private static final Pattern REBUILT = Pattern.compile("(\\d+) pages rebuilt");
    private static final Pattern SNAPSHOT_PAGES = Pattern.compile("(\\d+) from snapshots");
    // "12 MiB in snapshots", "0 B of snapshots", "snapshots 3 KiB", "snapshot memory 0 bytes"
    private static final Pattern SNAPSHOT_BYTES = Pattern.compile(
            "(\\d+) ?(B|bytes|KiB|MiB|GiB) (?:in |of |held in )?snapshots?\\b|snapshots?(?: memory)?:? (\\d+) ?(B|bytes|KiB|MiB|GiB)\\b");
    private static final Pattern FAILURES = Pattern.compile("(\\d+) rebuild failures");

    public static AgentExitLine parse(String line) {
        return new AgentExitLine(line, number(REBUILT, line), number(SNAPSHOT_PAGES, line), snapshotBytes(line),
                number(FAILURES, line));
    }

    public boolean present() {
        return !line.isEmpty();
    }

    private static long number(Pattern p, String line) {
        Matcher m = p.matcher(line);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long snapshotBytes(String line) {
        Matcher m = SNAPSHOT_BYTES.matcher(line);
        if (!m.find()) {
            return -1;
        }
        boolean first = m.group(1) != null;
        long n = Long.parseLong(first ? m.group(1) : m.group(3));
        return switch (first ? m.group(2) : m.group(4)) {
            case "KiB" -> n << 10;
            case "MiB" -> n << 20;
            case "GiB" -> n << 30;
            default -> n;
        };
    }
}
