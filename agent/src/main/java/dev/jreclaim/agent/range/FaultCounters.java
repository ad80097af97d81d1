package dev.jreclaim.agent.range;

import static dev.jreclaim.agent.linux.NativeConstants.JR_C_AGENT_BYTES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_CHUNKS_INCOMPRESSIBLE;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_CHUNKS_KEPT;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_CHUNKS_OVER_BUDGET;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_EVENTS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILES_OPEN;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILES_TRACKED;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILE_EVICTIONS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILE_FELL_TO_SNAPSHOT;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILE_HASH_MISMATCH;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILE_IO_ERRORS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FIRST_WRITES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILE_REOPENS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILE_MISSING;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILE_PAGES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILE_STALE;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILE_UNVERIFIED;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FILE_VERIFIED;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_FREED_RANGE;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_INSTALL_ERRORS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_LOCKS_INTACT;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_LOCKS_PURGED;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_MAX_NS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_RACES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_READ_ERRORS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_REBUILD_FAILURES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_SNAPSHOT_HELD;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_CHUNKS_SPILLED;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_SPILL_ERRORS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_SPILL_HELD;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_SPILL_READ_BYTES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_SPILL_READ_ERRORS;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_SPILL_WRITE_BYTES;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_SRC_BASE;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_UNKNOWN_RANGE;
import static dev.jreclaim.agent.linux.NativeConstants.JR_C_WP_EVENTS;

import java.util.EnumMap;
import java.util.Map;

/**
 * The fault service's counters at one moment, read from native memory without stopping it (enum
 * jr_counter: the library counts every range event, lock results included).
 *
 * @param faultEvents     MISSING events answered
 * @param wpEvents        write-protect events answered (writers that raced a restore or a mark, first writes)
 * @param staleEvents     events for ranges already removed or unknown (answered with a wake)
 * @param races           restores that met a page already present (another thread won)
 * @param rebuildFailures pages a source could not produce (poisoned instead of handing out wrong bytes)
 * @param installErrors   COPY/ZEROPAGE/POISON/WAKE ioctls that failed other than by a race
 * @param readErrors      reads or polls of the userfaultfd that failed and were retried
 * @param locksIntact     locks that answered INTACT
 * @param locksPurged     locks that answered PURGED
 * @param maxNanos        slowest single answer
 * @param perSource       faults, pages, bytes and time per source
 * @param histogram       answers per latency bucket: bucket i counts [2^i, 2^(i+1)) ns from the event's read to
 *                        the wake ({@link ServiceTimes})
 * @param snapshots       what snapshots hold now, and the chunks whose snapshot did not pay
 * @param agentBytes      the native library's own memory now: range table and index, the service's buffers,
 *                        source state and snapshots (docs/observability.md)
 * @param firstWrites     first writes to a chunk since its mark (a write-protect fault outside a mark, or a pin):
 *                        each made a chunk unreclaimable until its next mark (docs/fault-path.md, "Writes after
 *                        the mark")
 */
public record FaultCounters(long faultEvents, long wpEvents, long staleEvents, long races, long rebuildFailures,
        long installErrors, long readErrors, long locksIntact, long locksPurged, long maxNanos,
        Map<RebuildSource, SourceCounters> perSource, long[] histogram, Snapshots snapshots, long agentBytes,
        FileRebuilds files, long firstWrites) {

    /**
     * @param heldBytes          memory all snapshots hold now: anonymous memory the kernel cannot drop
     * @param incompressible     chunk marks whose LZ4 form did not pay ({@code jreclaim.snapshot.min-ratio})
     * @param overBudget         chunk marks whose snapshot would have passed {@code jreclaim.snapshot.max-memory}
     * @param keptPlain          of those, chunks left ordinary memory (no fallback): never MADV_FREE'd
     * @param spill              what went to the snapshot spill file instead of memory
     */
    public record Snapshots(long heldBytes, long incompressible, long overBudget, long keptPlain, Spill spill) {}

    /**
     * The snapshot spill file (docs/fault-path.md, "Spilling snapshots to a file").
     *
     * @param heldBytes   bytes the file holds now, on disk (freed extents are punched out): page cache the kernel may
     *                    drop once written back, not the agent's memory
     * @param chunks      chunk marks whose snapshot went to the file
     * @param writtenBytes bytes written to it
     * @param readBytes   bytes read back (restores, and marks decoding a chunk's previous snapshot)
     * @param writeErrors writes that failed (ENOSPC, EFBIG, EIO): the snapshot stayed in memory within the limit, else
     *                    the chunk took its fallback
     * @param readErrors  reads that failed: the chunk's pages took the rule's fallback, or were poisoned
     */
    public record Spill(long heldBytes, long chunks, long writtenBytes, long readBytes, long writeErrors, long readErrors) {}

    /**
     * rebuild:file (docs/fault-path.md, "Pages rebuilt from the file they were read from").
     *
     * @param pages      pages the service read back from the file they were read from
     * @param verified   page marks that found the page equal to its file: no snapshot kept for it
     * @param unverified page marks that found it changed since the read (written): it went to the snapshot
     * @param stale      pages not rebuilt from the file: it was written, truncated or extended (or, with
     *                   file-check=hash, its bytes differ from the page's hash at mark)
     * @param missing    pages not rebuilt from the file: it was deleted or its path renamed over
     * @param ioErrors   pages not rebuilt from the file: open, fstat or pread failed
     * @param staleByHash of {@code stale}: the identity held, the hash did not (file-check=hash)
     * @param fellToSnapshot of the pages not rebuilt from their file, those rebuilt from the snapshot instead
     *                   (rebuild:snapshot after rebuild:file); the rest read as zeros
     * @param filesTracked files some page's provenance names now
     * @param filesOpen  descriptors the library holds for them now (at most {@code jreclaim.file.max-open})
     * @param reopens    evicted files opened again by path (same inode) for a mark or a fault
     * @param evictions  descriptors closed by the LRU
     */
    public record FileRebuilds(long pages, long verified, long unverified, long stale, long missing, long ioErrors,
            long staleByHash, long fellToSnapshot, long filesTracked, long filesOpen, long reopens, long evictions) {}

    /** Faults answered, pages installed, bytes installed and nanoseconds spent for one source. */
    public record SourceCounters(long faults, long pages, long bytes, long nanos) {}

    static FaultCounters of(long[] c, long[] hist) {
        Map<RebuildSource, SourceCounters> per = new EnumMap<>(RebuildSource.class);
        for (RebuildSource s : RebuildSource.values()) {
            int b = JR_C_SRC_BASE + 4 * s.code();
            per.put(s, new SourceCounters(c[b], c[b + 1], c[b + 2], c[b + 3]));
        }
        return new FaultCounters(c[JR_C_EVENTS], c[JR_C_WP_EVENTS], c[JR_C_UNKNOWN_RANGE] + c[JR_C_FREED_RANGE],
                c[JR_C_RACES], c[JR_C_REBUILD_FAILURES], c[JR_C_INSTALL_ERRORS], c[JR_C_READ_ERRORS],
                c[JR_C_LOCKS_INTACT], c[JR_C_LOCKS_PURGED], c[JR_C_MAX_NS], per, hist,
                new Snapshots(c[JR_C_SNAPSHOT_HELD], c[JR_C_CHUNKS_INCOMPRESSIBLE], c[JR_C_CHUNKS_OVER_BUDGET],
                        c[JR_C_CHUNKS_KEPT], new Spill(c[JR_C_SPILL_HELD], c[JR_C_CHUNKS_SPILLED], c[JR_C_SPILL_WRITE_BYTES],
                        c[JR_C_SPILL_READ_BYTES], c[JR_C_SPILL_ERRORS], c[JR_C_SPILL_READ_ERRORS])), c[JR_C_AGENT_BYTES],
                new FileRebuilds(c[JR_C_FILE_PAGES], c[JR_C_FILE_VERIFIED], c[JR_C_FILE_UNVERIFIED], c[JR_C_FILE_STALE],
                        c[JR_C_FILE_MISSING], c[JR_C_FILE_IO_ERRORS], c[JR_C_FILE_HASH_MISMATCH],
                        c[JR_C_FILE_FELL_TO_SNAPSHOT], c[JR_C_FILES_TRACKED], c[JR_C_FILES_OPEN], c[JR_C_FILE_REOPENS],
                        c[JR_C_FILE_EVICTIONS]), c[JR_C_FIRST_WRITES]);
    }

    /** Pages installed by the service, all sources. */
    public long pagesRestored() {
        return perSource.values().stream().mapToLong(SourceCounters::pages).sum();
    }

    /** How many locks said INTACT and PURGED. */
    public Map<LockResult, Long> lockResults() {
        return Map.of(LockResult.INTACT, locksIntact, LockResult.PURGED, locksPurged);
    }

    /** The service times since start, by bucket. */
    public ServiceTimes serviceTimes() {
        return new ServiceTimes(histogram);
    }

    /** Upper bound of the bucket holding the given quantile (0..1) of answers, in ns; 0 when none. */
    public long quantileNanos(double q) {
        long total = 0;
        for (long h : histogram) {
            total += h;
        }
        if (total == 0) {
            return 0;
        }
        long rank = (long) Math.ceil(q * total);
        long seen = 0;
        for (int i = 0; i < histogram.length; i++) {
            seen += histogram[i];
            if (seen >= rank) {
                return 1L << (i + 1);
            }
        }
        return maxNanos;
    }
}
