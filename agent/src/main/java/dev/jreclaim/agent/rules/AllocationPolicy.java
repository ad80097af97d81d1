package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.instrumentation.api.AllocationKind;

/**
 * Decides, for one off-heap allocation on the current thread, which rule it belongs to, and follows the
 * ranges made for it: a rule's mark mode starts at {@link #taken} and ends at {@link #freeing}.
 *
 * <p>Asked inside the JDK's allocation and free paths, for every direct buffer and arena segment: keep it
 * cheap for allocations it does not take, and never throw.
 */
public interface AllocationPolicy {

    /** @return the rule this allocation belongs to, or null: plain JDK memory */
    ActiveRule ruleFor(AllocationKind kind, long size);

    /** What a new range of {@code rule} (whose source is not null) carries as its attachment. */
    RangeUse use(ActiveRule rule);

    /** The agent made {@code range} for an allocation of {@code use}'s rule: its mark mode starts. */
    void taken(RangeUse use, VolatileRange range);

    /** {@code range} is about to be unmapped: nothing may touch it after this returns. */
    void freeing(VolatileRange range);

    /**
     * The one guard against taking the agent's own allocations: between these calls, on this thread,
     * {@link #ruleFor} answers null. Nests.
     */
    void beginAgentWork();

    void endAgentWork();

    /** One phrase for the agent's start-up line. */
    String describe();

    /** Takes nothing. */
    AllocationPolicy NONE = new AllocationPolicy() {
        @Override
        public ActiveRule ruleFor(AllocationKind kind, long size) {
            return null;
        }

        @Override
        public RangeUse use(ActiveRule rule) {
            return new RangeUse(rule, null);
        }

        @Override
        public void taken(RangeUse use, VolatileRange range) {}

        @Override
        public void freeing(VolatileRange range) {}

        @Override
        public void beginAgentWork() {}

        @Override
        public void endAgentWork() {}

        @Override
        public String describe() {
            return "no rules (every allocation stays plain JDK memory)";
        }
    };

    /** Waits until every mark this policy queued so far is done (the on-return marks run on a marker thread). */
    default void awaitPendingMarks() throws InterruptedException {}
}
