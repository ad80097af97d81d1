package dev.jreclaim.agent.config;

import java.util.List;
import java.util.Objects;

/**
 * One valid {@code jreclaim.rule.<id>.*} group. A buffer belongs to the rule when it is allocated
 * while its thread is inside a method {@link #site} matches, its allocation kind is covered by
 * {@link #kind} and it has at least {@link #minSize} bytes.
 */
public record SiteRule(String id, AllocationKind kind, SiteMatcher site, long minSize, MarkMode mark,
        List<PurgePolicy> onPurge) {
    public static final long DEFAULT_MIN_SIZE = 64 * 1024;
    public static final List<PurgePolicy> DEFAULT_ON_PURGE = List.of(PurgePolicy.REBUILD_SNAPSHOT);

    public SiteRule {
        Objects.requireNonNull(id);
        Objects.requireNonNull(kind);
        Objects.requireNonNull(site);
        Objects.requireNonNull(mark);
        onPurge = List.copyOf(onPurge);
        if (minSize < 0 || onPurge.isEmpty()) {
            throw new IllegalArgumentException("rule " + id + ": negative min-size or empty on-purge");
        }
    }

    /** Whether a method is one of this rule's sites: instrumentation tracks entering and leaving it. */
    public boolean isSite(String binaryClassName, String methodName) {
        return site.matches(binaryClassName, methodName);
    }

    /** Whether an allocation of {@code size} bytes made inside the site method {@code className#methodName} belongs here. */
    public boolean matches(String binaryClassName, String methodName, long size) {
        return size >= minSize && site.matches(binaryClassName, methodName);
    }

    public boolean matches(AllocationKind allocation, String binaryClassName, String methodName, long size) {
        return kind.covers(allocation) && matches(binaryClassName, methodName, size);
    }

    /** Whether an allocation of this kind and size belongs here, given that the thread is inside one of its sites. */
    public boolean accepts(AllocationKind allocation, long size) {
        return kind.covers(allocation) && size >= minSize;
    }
}
