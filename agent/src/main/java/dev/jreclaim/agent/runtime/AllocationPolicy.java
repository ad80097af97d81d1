package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.instrumentation.api.AllocationKind;

/**
 * Decides, for one off-heap allocation on the current thread, whether it becomes reclaimable and how its
 * purged pages come back. The configuration's site rules will implement it; until then
 * {@link MinSizePolicy} does.
 *
 * <p>It is asked inside the JDK's allocation paths, for every direct buffer and arena segment: keep it
 * cheap for allocations it does not take, and never throw.
 */
public interface AllocationPolicy {

    /** @return the rebuild source for this allocation, or null: plain JDK memory */
    RebuildSource sourceFor(AllocationKind kind, long size);

    /** One phrase for the agent's start-up line. */
    String describe();

    /** Takes nothing. */
    AllocationPolicy NONE = new AllocationPolicy() {
        @Override
        public RebuildSource sourceFor(AllocationKind kind, long size) {
            return null;
        }

        @Override
        public String describe() {
            return "no allocation rule (every allocation stays plain JDK memory)";
        }
    };
}
