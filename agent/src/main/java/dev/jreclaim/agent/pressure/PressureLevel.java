package dev.jreclaim.agent.pressure;

/**
 * How short memory is against the headroom H ({@code jreclaim.pressure.headroom}), from the bytes still free or
 * cheaply reclaimable under the limit. With a margin each way, so that one poll's noise near a threshold does not
 * flip the level back and forth: SHORT below H, cleared at {@link #clearAbove} (1.25 H); CRITICAL below H/4,
 * cleared at H/2.
 */
public enum PressureLevel {
    /** Room enough: mark-when=pressure buffers wait, ordinary memory. */
    NONE,
    /** Below the headroom: the pressure marker marks waiting buffers, oldest first, until the level clears. */
    SHORT,
    /** Below a quarter of it: a thread returning from a site marks waiting buffers itself before it goes on. */
    CRITICAL;

    /** Where SHORT clears: 1.25 H. */
    public static long clearAbove(long headroom) {
        return headroom + headroom / 4;
    }

    /** The level after {@code previous} for {@code available} bytes under a headroom of {@code headroom} bytes. */
    public static PressureLevel next(PressureLevel previous, long available, long headroom) {
        if (available < headroom / 4) {
            return CRITICAL;
        }
        if (previous == CRITICAL && available < headroom / 2) {
            return CRITICAL;
        }
        if (available < headroom) {
            return SHORT;
        }
        if (previous != NONE && available < clearAbove(headroom)) {
            return SHORT;
        }
        return NONE;
    }

    public boolean isShort() {
        return this != NONE;
    }
}
