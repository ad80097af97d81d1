package dev.jreclaim.agent.log;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Lets a warning with a given key through at most once per interval and counts the ones held back,
 * so that a warning raised on every allocation neither floods stderr nor disappears without trace.
 * Keys are the caller's constants (one per kind of warning), so the map stays small.
 */
final class WarningLimiter {
    /** What {@link #admit} returns for a warning that is not to be written. */
    static final long SUPPRESSED = -1;

    private static final class Slot {
        long lastWritten;
        long suppressed;
    }

    private final long intervalNanos;
    private final LongSupplier nanoClock;
    private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();

    WarningLimiter(long intervalNanos, LongSupplier nanoClock) {
        this.intervalNanos = intervalNanos;
        this.nanoClock = nanoClock;
    }

    /**
     * {@link #SUPPRESSED} if a warning with this key was written less than the interval ago;
     * otherwise the number suppressed since the last one written (0 the first time).
     */
    long admit(String key) {
        long now = nanoClock.getAsLong();
        Slot slot = slots.computeIfAbsent(key, k -> {
            Slot s = new Slot();
            s.lastWritten = now - intervalNanos;
            return s;
        });
        synchronized (slot) {
            if (now - slot.lastWritten < intervalNanos) {
                slot.suppressed++;
                return SUPPRESSED;
            }
            long held = slot.suppressed;
            slot.lastWritten = now;
            slot.suppressed = 0;
            return held;
        }
    }
}
