package dev.jreclaim.agent.rules;

/**
 * What the agent keeps with each range it made, as the range's attachment in the one registry
 * ({@code range.RangeRegistry}): the rule it was made for, and, for an idle rule, the marker's view of it.
 */
public final class RangeUse {
    private final ActiveRule rule;
    /**
     * Non-null for the range of an idle or on-return rule (the idle marker's view; on-return: for re-marking after
     * writes); guarded by its own monitor (the marker and a free meet there).
     */
    final IdleMarker.Watch idle;
    /** Non-null while the range waits in {@link DeferredRanges} (mark-when=pressure); guarded by that list. */
    DeferredRanges.Node deferred;

    RangeUse(ActiveRule rule, IdleMarker.Watch idle) {
        this.rule = rule;
        this.idle = idle;
    }

    public ActiveRule rule() {
        return rule;
    }
}
