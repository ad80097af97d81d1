package dev.jreclaim.agent.range;

/**
 * One range's accounting at one moment.
 *
 * @param bytes          the range's size (page-rounded)
 * @param residentBytes  pages present in memory now (mincore)
 * @param volatileBytes  while the range is marked, the bytes the kernel can drop now: those its last mark made
 *                       reclaimable and not written since ({@code bytes} less {@code keptBytes} and
 *                       {@code writtenBytes}), else 0
 * @param purgedBytes    pages absent now in a range that has been marked: dropped by the kernel
 *                       and not touched since (0 for a range never marked)
 * @param snapshotBytes  compressed snapshot held for the range (SNAPSHOT source)
 * @param faults         fault events the service answered for this range
 * @param pagesRestored  pages the service installed (rebuilt) for it
 * @param pagesPoisoned  pages poisoned since the last lock (POISON source)
 * @param purgedSinceMark pages lost since the last mark that could not be rebuilt
 * @param marks          how often the range was marked
 * @param keptBytes      bytes the last mark left ordinary memory: SNAPSHOT chunks whose snapshot did not pay
 *                       and that have no fallback
 * @param writtenBytes   bytes of the chunks written since their last mark (JR_RS_WRITTEN_PAGES): dirty, so the
 *                       kernel keeps them until the next mark; 0 without write-protect (docs/fault-path.md,
 *                       "Writes after the mark")
 */
public record RangeStats(RangeState state, RebuildSource source, long bytes, long residentBytes, long volatileBytes,
        long purgedBytes, long snapshotBytes, long faults, long pagesRestored, long pagesPoisoned,
        long purgedSinceMark, long marks, long keptBytes, long writtenBytes) {}
