package dev.jreclaim.agent.config;

import java.util.List;
import java.util.Objects;

/**
 * The validated configuration. {@link #rules} are in precedence order: first match wins.
 *
 * @param serviceCapacity how many buffers may be reclaimable at once (fault service range table)
 * @param snapshotChunk   bytes per snapshot chunk, also the most one fault restores; a multiple of
 *                        {@link #PLATFORM_PAGE_SIZE}, in pages of the kernel's size at start
 *                        ({@link #snapshotChunkPages(long)})
 * @param snapshotMinRatioPct {@code snapshot.min-ratio} in percent: a chunk keeps its snapshot only when its LZ4
 *                        form is at most 100/ratio of it
 * @param snapshotMaxMemory {@code snapshot.max-memory}: the most all snapshots together may hold in memory (a size,
 *                        or a share of the memory the process may use, resolved at start)
 * @param remarkIdle      {@code remark.idle}: how long a range written since its mark must see no new write
 *                        before it is marked again (idle rules: their own idle time)
 * @param fileMaxOpen     {@code file.max-open}: descriptors the library keeps open for rebuild:file (an LRU)
 * @param recycleMax      {@code memory.recycle-max}: the most freed slots may hold for the next buffer of their size
 * @param snapshotSpill   {@code snapshot.spill}: when snapshots go to the spill file instead of memory
 * @param snapshotSpillDir {@code snapshot.spill-dir}: where the spill file is; null: {@code java.io.tmpdir} at start
 * @param pressureHeadroom {@code pressure.headroom}: below it memory counts as short for mark-when=pressure rules
 * @param cache           {@code cache}: whether transformed classes are kept across starts (the transform cache)
 * @param cacheDir        {@code cache.dir}: the transform cache's directory, an absolute path; null for the default
 * @param startCollect    {@code start.collect}: one garbage collection after the start, before the application's main
 *                        (docs/configuration.md)
 */
public record AgentConfig(boolean enabled, LogLevel logLevel, UffdMode uffdMode, int serviceCapacity,
        long snapshotChunk, boolean exitSummary, List<SiteRule> rules, int snapshotMinRatioPct,
        SnapshotMemoryLimit snapshotMaxMemory, java.time.Duration remarkIdle, int fileMaxOpen, long recycleMax,
        SpillMode snapshotSpill, java.nio.file.Path snapshotSpillDir, Headroom pressureHeadroom, boolean cache,
        java.nio.file.Path cacheDir, boolean startCollect) {
    /**
     * What the loader checks {@code snapshot.chunk} against: 4 KiB, the page size of linux-x86_64, the only
     * platform the native library is built for. Not the kernel's own page size ({@code linux.Libc.pageSize()},
     * sysconf): the configuration is read before the agent may make any native call, and that call would make
     * the JDK print its native-access warning even when the configuration then keeps the agent off
     * ({@code jreclaim.enabled=false} must print nothing), or throw under {@code --illegal-native-access=deny}.
     * The kernel's page size applies at start, where the chunk becomes pages ({@link #snapshotChunkPages(long)}).
     */
    public static final int PLATFORM_PAGE_SIZE = 4096;
    public static final int DEFAULT_CAPACITY = 1 << 18;
    /**
     * Sanity bound. The range table is reserved at start and paid as used (200 bytes a slot in use); ranges
     * share the library's regions, so the capacity does not bound the mapping count (docs/fault-path.md).
     */
    public static final int MAX_CAPACITY = 1 << 24;
    public static final long DEFAULT_CHUNK = 64 * 1024;
    /**
     * The most pages one chunk may have (one fault restores at most one chunk): the library's JR_MAX_CHUNK_PAGES,
     * whose Java twin is checked against the library when it loads. A compile-time constant: reading it loads
     * nothing native.
     */
    public static final int MAX_CHUNK_PAGES = dev.jreclaim.agent.linux.NativeConstants.JR_MAX_CHUNK_PAGES;
    public static final long MIN_CHUNK = PLATFORM_PAGE_SIZE;
    public static final long MAX_CHUNK = (long) MAX_CHUNK_PAGES * PLATFORM_PAGE_SIZE;
    /** 1.25: a snapshot must save at least a fifth of its chunk; random bytes (LZ4 cannot shrink them) never do. */
    public static final int DEFAULT_MIN_RATIO_PCT = dev.jreclaim.agent.linux.NativeConstants.JR_SNAPSHOT_MIN_RATIO_PCT;
    public static final int MAX_MIN_RATIO_PCT = 100 * 100;
    public static final SnapshotMemoryLimit DEFAULT_SNAPSHOT_MAX_MEMORY = SnapshotMemoryLimit.DEFAULT;
    /** over-limit: memory first, the file only for what memory may not hold (no I/O while snapshots fit). */
    public static final SpillMode DEFAULT_SPILL = SpillMode.OVER_LIMIT;
    /** 1 s: a range written after its mark is reclaimable again a second after its last new write. */
    public static final java.time.Duration DEFAULT_REMARK_IDLE = java.time.Duration.ofSeconds(1);
    /**
     * 256 descriptors: a quarter of the most common soft RLIMIT_NOFILE (1024, which the JDK raises to the hard limit
     * on Linux, but a host may not), the 256 files the table held before it had an LRU, and more than a service's
     * working set of large files usually is; past it a file is reopened by path at a fault (docs/fault-path.md).
     */
    public static final int DEFAULT_FILE_MAX_OPEN = dev.jreclaim.agent.linux.NativeConstants.JR_DEFAULT_MAX_OPEN_FILES;
    public static final int MAX_FILE_MAX_OPEN = dev.jreclaim.agent.linux.NativeConstants.JR_MAX_OPEN_FILES;
    /** 64 MiB, what glibc's malloc may keep at most at the top of its heap by default (twice its largest mmap threshold). */
    public static final long DEFAULT_RECYCLE_MAX = dev.jreclaim.agent.linux.NativeConstants.JR_RECYCLE_MAX_DEFAULT;

    public AgentConfig {
        Objects.requireNonNull(logLevel);
        Objects.requireNonNull(uffdMode);
        Objects.requireNonNull(remarkIdle);
        Objects.requireNonNull(snapshotMaxMemory);
        Objects.requireNonNull(snapshotSpill);
        Objects.requireNonNull(pressureHeadroom);
        rules = List.copyOf(rules);
    }

    public AgentConfig(boolean enabled, LogLevel logLevel, UffdMode uffdMode, int serviceCapacity, long snapshotChunk,
            boolean exitSummary, List<SiteRule> rules) {
        this(enabled, logLevel, uffdMode, serviceCapacity, snapshotChunk, exitSummary, rules, DEFAULT_MIN_RATIO_PCT,
                DEFAULT_SNAPSHOT_MAX_MEMORY, DEFAULT_REMARK_IDLE, DEFAULT_FILE_MAX_OPEN, DEFAULT_RECYCLE_MAX, DEFAULT_SPILL,
                null, Headroom.DEFAULT, true, null, true);
    }

    public static AgentConfig defaults() {
        return new AgentConfig(true, LogLevel.INFO, UffdMode.AUTO, DEFAULT_CAPACITY, DEFAULT_CHUNK, false, List.of());
    }

    public AgentConfig withRules(List<SiteRule> newRules) {
        return new AgentConfig(enabled, logLevel, uffdMode, serviceCapacity, snapshotChunk, exitSummary, newRules,
                snapshotMinRatioPct, snapshotMaxMemory, remarkIdle, fileMaxOpen, recycleMax, snapshotSpill, snapshotSpillDir,
                pressureHeadroom, cache, cacheDir, startCollect);
    }

    /**
     * The snapshot chunk in pages of {@code pageSize} bytes (the kernel's, at start).
     *
     * @throws IllegalArgumentException when the chunk is not a whole number of such pages, or more than
     *                                  {@link #MAX_CHUNK_PAGES} of them (on a kernel whose pages are larger
     *                                  than {@link #PLATFORM_PAGE_SIZE})
     */
    public int snapshotChunkPages(long pageSize) {
        if (pageSize <= 0 || snapshotChunk % pageSize != 0 || snapshotChunk / pageSize > MAX_CHUNK_PAGES) {
            throw new IllegalArgumentException("jreclaim.snapshot.chunk=" + snapshotChunk + " is not 1 to "
                    + MAX_CHUNK_PAGES + " pages of this kernel's " + pageSize + " bytes");
        }
        return (int) (snapshotChunk / pageSize);
    }
}
