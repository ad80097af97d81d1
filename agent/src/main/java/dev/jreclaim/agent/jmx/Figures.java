package dev.jreclaim.agent.jmx;

import javax.management.ConstructorParameters;

/**
 * A set of live ranges at one moment (all of them, or one rule's), as an open type (CompositeData).
 *
 * @param faults       faults answered
 * @param pagesRebuilt pages the fault service installed (rebuilt from the range's source)
 */
public final class Figures {
    private final long ranges, allocatedBytes, volatileBytes, residentBytes, purgedBytes, faults, pagesRebuilt,
            writtenBytes;

    @ConstructorParameters({"ranges", "allocatedBytes", "volatileBytes", "residentBytes", "purgedBytes", "faults",
            "pagesRebuilt", "writtenBytes"})
    public Figures(long ranges, long allocatedBytes, long volatileBytes, long residentBytes, long purgedBytes,
            long faults, long pagesRebuilt, long writtenBytes) {
        this.ranges = ranges;
        this.allocatedBytes = allocatedBytes;
        this.volatileBytes = volatileBytes;
        this.residentBytes = residentBytes;
        this.purgedBytes = purgedBytes;
        this.faults = faults;
        this.pagesRebuilt = pagesRebuilt;
        this.writtenBytes = writtenBytes;
    }

    public long getRanges() {
        return ranges;
    }

    /** Bytes of the live ranges (page-rounded). */
    public long getAllocatedBytes() {
        return allocatedBytes;
    }

    /**
     * Bytes the kernel can drop now: of the ranges marked now, those their last mark made reclaimable and not
     * written since (docs/observability.md).
     */
    public long getVolatileBytes() {
        return volatileBytes;
    }

    /** Bytes present in memory now (mincore). */
    public long getResidentBytes() {
        return residentBytes;
    }

    /** Bytes absent now from ranges that have been marked: dropped by the kernel and not touched since. */
    public long getPurgedBytes() {
        return purgedBytes;
    }

    public long getFaults() {
        return faults;
    }

    public long getPagesRebuilt() {
        return pagesRebuilt;
    }

    /**
     * Bytes of the chunks written since their last mark: dirty, so the kernel cannot drop them until the range is
     * marked again (0 without write-protect).
     */
    public long getWrittenBytes() {
        return writtenBytes;
    }
}
