package dev.jreclaim.agent.config;

import java.util.List;
import java.util.Objects;

/**
 * One valid {@code jreclaim.rule.<id>.*} group. A buffer belongs to the rule when it is allocated
 * while its thread is inside a method {@link #site} matches, its allocation kind is covered by
 * {@link #kind} and it has at least {@link #minSize} bytes: the running agent decides that in
 * {@code rules.RulePolicy.ruleFor}, the one matcher.
 */
public record SiteRule(String id, RuleKind kind, SiteMatcher site, long minSize, MarkMode mark,
        List<PurgePolicy> onPurge, FileCheck fileCheck, MarkWhen markWhen) {
    public static final long DEFAULT_MIN_SIZE = 64 * 1024;
    public static final List<PurgePolicy> DEFAULT_ON_PURGE = List.of(PurgePolicy.REBUILD_SNAPSHOT);

    public SiteRule {
        Objects.requireNonNull(id);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(site);
        Objects.requireNonNull(mark);
        Objects.requireNonNull(fileCheck);
        Objects.requireNonNull(markWhen);
        onPurge = List.copyOf(onPurge);
        if (minSize < 0 || onPurge.isEmpty()) {
            throw new IllegalArgumentException("rule " + id + ": negative min-size or empty on-purge");
        }
    }

    public SiteRule(String id, RuleKind kind, SiteMatcher site, long minSize, MarkMode mark, List<PurgePolicy> onPurge,
            FileCheck fileCheck) {
        this(id, kind, site, minSize, mark, onPurge, fileCheck, MarkWhen.ALWAYS);
    }

    public SiteRule(String id, RuleKind kind, SiteMatcher site, long minSize, MarkMode mark, List<PurgePolicy> onPurge) {
        this(id, kind, site, minSize, mark, onPurge, FileCheck.IDENTITY);
    }

    /** Whether its buffers wait for memory to be short before they are marked (mark-when=pressure). */
    public boolean marksUnderPressureOnly() {
        return markWhen == MarkWhen.PRESSURE;
    }
}
