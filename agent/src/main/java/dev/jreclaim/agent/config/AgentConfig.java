package dev.jreclaim.agent.config;

import java.util.List;
import java.util.Objects;

/**
 * The validated configuration. {@link #rules} are in precedence order: first match wins.
 *
 * @param serviceCapacity how many buffers may be reclaimable at once (fault service range table)
 * @param snapshotChunk   bytes per snapshot chunk, also the most one fault restores; a multiple of
 *                        {@link #PAGE_SIZE}
 */
public record AgentConfig(boolean enabled, LogLevel logLevel, UffdMode uffdMode, int serviceCapacity,
        long snapshotChunk, boolean exitSummary, List<SiteRule> rules) {
    /** Page size of the only platform the native library is built for (linux-x86_64). */
    public static final int PAGE_SIZE = 4096;
    public static final int DEFAULT_CAPACITY = 1 << 18;
    /** Sanity bound; the table is mapped lazily, but its index is kept sorted by memmove. */
    public static final int MAX_CAPACITY = 1 << 24;
    public static final long DEFAULT_CHUNK = 64 * 1024;
    public static final long MIN_CHUNK = PAGE_SIZE;
    /** The fault service accepts at most 4096 pages per chunk. */
    public static final long MAX_CHUNK = 16L << 20;

    public AgentConfig {
        Objects.requireNonNull(logLevel);
        Objects.requireNonNull(uffdMode);
        rules = List.copyOf(rules);
    }

    public static AgentConfig defaults() {
        return new AgentConfig(true, LogLevel.INFO, UffdMode.AUTO, DEFAULT_CAPACITY, DEFAULT_CHUNK, false, List.of());
    }

    public AgentConfig withRules(List<SiteRule> newRules) {
        return new AgentConfig(enabled, logLevel, uffdMode, serviceCapacity, snapshotChunk, exitSummary, newRules);
    }

    public int snapshotChunkPages() {
        return (int) (snapshotChunk / PAGE_SIZE);
    }
}
