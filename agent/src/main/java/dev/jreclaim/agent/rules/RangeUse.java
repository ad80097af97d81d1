package dev.jreclaim.agent.rules;

/**
 * What the agent keeps with each range it made, as the range's attachment in the one registry
 * ({@code range.RangeRegistry}): the rule it was made for, and, for an idle rule, the marker's view of it.
 */
public final class RangeUse {
    private final ActiveRule rule;
    /** Non-null for an idle rule's range; guarded by its own monitor (the marker and a free meet there). */
    final IdleMarker.Watch idle;

    RangeUse(ActiveRule rule, IdleMarker.Watch idle) {
        this.rule = rule;
        this.idle = idle;
    }

    public ActiveRule rule() {
        return rule;
    }
}
