package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.instrumentation.api.AllocationKind;

/**
 * TEMPORARY, until the configuration package (site rules) lands: every allocation of at least
 * {@code minSize} bytes, of either kind, becomes reclaimable with one rebuild source.
 */
record MinSizePolicy(long minSize, RebuildSource source) implements AllocationPolicy {

    MinSizePolicy {
        if (minSize < 0 || source == null || source == RebuildSource.FILE) {
            throw new IllegalArgumentException("min-size must be >= 0 and source one of ZERO, SNAPSHOT, POISON; got "
                    + minSize + ", " + source);
        }
    }

    @Override
    public RebuildSource sourceFor(AllocationKind kind, long size) {
        return size >= minSize ? source : null;
    }

    @Override
    public String describe() {
        return "allocations of " + minSize + " bytes or more, " + source + " (temporary min-size rule)";
    }
}
