package dev.jreclaim.agent.range;

import dev.jreclaim.agent.linux.NativeConstants;

/**
 * A range's state: enum jr_state of the native table, which owns it. The state machine is documented, and
 * each transition checked, where it is implemented: agent/src/main/c/range_state.c.
 */
public enum RangeState {
    /** No range: freed (its handle is stale). */
    FREE(NativeConstants.JR_STATE_FREE),
    /** Non-volatile: the application owns every byte. */
    LOCKED(NativeConstants.JR_STATE_LOCKED),
    /** A thread is taking the snapshot and applying MADV_FREE. */
    MARKING(NativeConstants.JR_STATE_MARKING),
    /** Marked: the kernel may drop clean pages; touching one goes through the fault service. */
    VOLATILE(NativeConstants.JR_STATE_VOLATILE),
    /** A thread is settling the pages (POISON lock, detach). */
    LOCKING(NativeConstants.JR_STATE_LOCKING),
    /** Being removed: the service no longer touches it. */
    DEAD(NativeConstants.JR_STATE_DEAD);

    private final int code;

    RangeState(int code) {
        this.code = code;
    }

    static RangeState of(long code) {
        for (RangeState s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("jr_state " + code + " has no RangeState");
    }
}
