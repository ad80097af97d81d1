package dev.jreclaim.agent.range;

/** What {@link VolatileRange#lock()} reports, as vrange's purged bit and Chromium's {@code LockResult}. */
public enum LockResult {
    /** Nothing was lost: every byte is what was written (or what its source rebuilds on touch). */
    INTACT,
    /** Some page was lost and could not be rebuilt; the range now reads as zeros and must be refilled. */
    PURGED
}
