package dev.jreclaim.agent.range;

import dev.jreclaim.agent.linux.NativeConstants;

/** Where the fault service gets a purged page's content back: enum jr_source. */
public enum RebuildSource {
    /** A zero-filled page: the application chose that a purged page reads as zeros. */
    ZERO(NativeConstants.JR_SOURCE_ZERO),
    /** An LZ4 copy taken at mark time, decompressed straight into the restored pages. */
    SNAPSHOT(NativeConstants.JR_SOURCE_SNAPSHOT),
    /**
     * Nothing: the next touch raises SIGBUS, which the JVM turns into an {@link InternalError}
     * for plain Java accesses, and {@link VolatileRange#lock()} reports {@link LockResult#PURGED}.
     * Native readers (JNI, CRC32 intrinsics, FFM downcalls) crash the JVM on it: lock before reading.
     */
    POISON(NativeConstants.JR_SOURCE_POISON),
    /** The bytes of a file at an offset, read with pread when a page is touched. */
    FILE(NativeConstants.JR_SOURCE_FILE);

    private final int code;

    RebuildSource(int code) {
        this.code = code;
    }

    int code() {
        return code;
    }

    /** Whether every purged page can be produced again on touch (so lock() is O(1)). */
    public boolean rebuildsOnTouch() {
        return this != POISON;
    }

    static RebuildSource of(long code) {
        for (RebuildSource s : values()) {
            if (s.code == code) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown source code " + code);
    }
}
