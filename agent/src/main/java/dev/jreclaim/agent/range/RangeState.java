package dev.jreclaim.agent.range;

import dev.jreclaim.agent.linux.ServiceLibrary;

/**
 * The states of a range; the state machine is documented where it is implemented, in
 * agent/src/main/c/range_protocol.c.
 */
public enum RangeState {
    /** Non-volatile: the application owns every byte. */
    LOCKED,
    /** A thread is taking the snapshot and applying MADV_FREE. */
    MARKING,
    /** Marked: the kernel may drop clean pages; touching one goes through the fault service. */
    VOLATILE,
    /** A thread is settling the pages (POISON lock, service close). */
    LOCKING,
    /** Freed. */
    FREED;

    static RangeState of(int code) {
        return switch (code) {
            case ServiceLibrary.STATE_LOCKED -> LOCKED;
            case ServiceLibrary.STATE_MARKING -> MARKING;
            case ServiceLibrary.STATE_VOLATILE -> VOLATILE;
            case ServiceLibrary.STATE_LOCKING -> LOCKING;
            default -> FREED;
        };
    }
}
