package dev.jreclaim.agent.jmx;

import java.util.Map;

/**
 * The agent's MBean, {@code dev.jreclaim:type=Agent}. Open types only, so JConsole, JMC and the
 * {@code stat} command read it without the agent's classes. What each figure means: docs/observability.md.
 */
public interface ReclaimAgentMXBean {
    /** Live ranges, all rules. Faults and pages rebuilt are the service's counters since start. */
    Figures getTotals();

    /** Live ranges by rule id; faults and pages rebuilt of the live ranges only. */
    Map<String, Figures> getRules();

    /** Allocations the agent took since start. */
    long getAllocations();

    /** Ranges freed since start. */
    long getFrees();

    /** Pages the fault service rebuilt since start, by source (ZERO, SNAPSHOT, POISON, FILE). */
    Map<String, Long> getPagesRebuiltBySource();

    /** Faults the fault service answered since start, by source. */
    Map<String, Long> getFaultsBySource();

    /** Upper bound of the latency bucket holding the median fault answer (event read to wake), ns. */
    long getServiceNanosP50();

    /** Fault answers since start per bucket: bucket i counts [2^i, 2^(i+1)) ns from the event's read to the wake. */
    long[] getServiceHistogram();

    long getServiceNanosP99();

    long getServiceNanosMax();

    /** Failures since start by reason: allocation-fallbacks, free-failures, rebuild-failures, copy-errors. */
    Map<String, Long> getFailures();

    /**
     * rebuild:file since start (docs/fault-path.md, "Pages rebuilt from the file they were read from"): pages rebuilt
     * from their file, page marks verified and unverified, pages not rebuilt by reason (stale, stale-by-hash,
     * missing, io-errors), fell-to-snapshot; and now: files-tracked, files-open; reopens, evictions of the
     * descriptor LRU ({@code jreclaim.file.max-open}).
     */
    Map<String, Long> getFileRebuilds();

    /** Results of locking (unmarking) ranges: INTACT and PURGED counts since start. */
    Map<String, Long> getLockResults();

    /**
     * Memory the agent holds itself now, by kind: {@code snapshots} (LZ4 copies: anonymous memory the kernel
     * cannot drop), {@code library} (the native library's whole own memory: range table and index, the
     * service's buffers, source state, snapshots and recycled slots), {@code recycled} (freed buffers' slots
     * kept zeroed for the next buffer of their size, {@code jreclaim.memory.recycle-max}: MADV_FREE'd, so the kernel
     * may drop them), {@code kept-plain} (bytes of live ranges their last mark left ordinary memory because no
     * snapshot paid).
     */
    Map<String, Long> getAgentMemory();

    /**
     * Chunk marks since start that kept no snapshot, by reason: {@code incompressible} (the LZ4 form did not pay,
     * jreclaim.snapshot.min-ratio), {@code over-limit} (jreclaim.snapshot.max-memory), and {@code kept-plain}
     * (of those, the chunks left ordinary memory because the rule has no fallback).
     */
    Map<String, Long> getChunksWithoutSnapshot();

    /**
     * The snapshot spill file ({@code jreclaim.snapshot.spill}, docs/fault-path.md "Spilling snapshots to a file"):
     * {@code held-bytes} on disk now (page cache the kernel may drop, not the agent's memory), {@code chunks} marked
     * into it, {@code written-bytes}, {@code read-bytes}, {@code write-errors} (the snapshot stayed in memory within
     * the limit, else the chunk took its fallback), {@code read-errors} (the pages took the rule's fallback).
     */
    Map<String, Long> getSnapshotSpill();

    /**
     * MADV_PAGEOUT of the volatile ranges of {@code rule} ("" or "*": every rule); returns how many ranges.
     *
     * @throws IllegalArgumentException naming the running rules, when no running rule has that id
     */
    int purge(String rule);

    /** The ids of the running rules, in rule order (those with no live range too). */
    java.util.List<String> getRuleIds();

    /** One line per live range: address, size, rule, state, resident, source. */
    String dumpRanges();

    /**
     * Pins around the JDK's native access to the agent's buffers since start: {@code pins} taken, {@code failures}
     * (the call went ahead unpinned), {@code purged-refusals} (an on-purge=throw buffer had lost pages: the
     * application got PurgedBufferException or PurgedMemoryError).
     */
    Map<String, Long> getPins();

    /**
     * Writes after the mark (docs/fault-path.md, "Writes after the mark"): {@code written-bytes} (bytes of live
     * ranges in chunks written since their last mark now: dirty, not in {@code volatileBytes}), {@code first-writes}
     * (chunks written for the first time since their mark, since start), {@code re-marks} (marks the agent made of
     * ranges written since their mark, jreclaim.remark.idle, since start).
     */
    Map<String, Long> getWritesAfterMark();

    /**
     * Marking deferred until memory is short (mark-when=pressure rules; docs/observability.md): {@code level} (0 none,
     * 1 short, 2 critical), {@code available-bytes}, {@code headroom-bytes} and {@code limit-bytes} of the last poll,
     * {@code deferred-bytes} (bytes of live ranges whose mark waits: ordinary memory, not yet marked),
     * {@code deferred-ranges}, and since start: {@code ever-deferred}, {@code marked-ranges} and {@code marked-bytes}
     * (marked by the pressure marker), {@code back-pressure-ranges} and {@code back-pressure-bytes} (marked by an
     * application thread at critical), {@code rises}, {@code criticals}, {@code polls}, {@code poll-nanos} (their
     * cost), {@code failures}. All 0 (limit and available Long.MAX_VALUE) without such a rule.
     */
    Map<String, Long> getPressure();
}
