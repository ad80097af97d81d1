package dev.jreclaim.testapp;

import java.nio.ByteBuffer;

/** The on-return site of PressureMarkingIT's child (the agent's own packages are never sites). */
public final class PressureSite {
    private PressureSite() {}

    /**
     * A direct buffer of {@code size} bytes, page by page its index and the page's, then a byte of the buffer's
     * (LZ4 makes little of it); its mark is due when this returns.
     */
    public static ByteBuffer load(int size, int buffer) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int page = 0; page < size / 4096; page++) {
            b.putLong(page * 4096, ((long) buffer << 32) | page);
            for (int i = 8; i < 4096; i += 8) {
                b.putLong(page * 4096 + i, 0x0101010101010101L * (buffer & 0x7f));
            }
        }
        return b;
    }

    /** Whether {@code b} holds what {@link #load} wrote. */
    public static boolean right(ByteBuffer b, int size, int buffer) {
        for (int page = 0; page < size / 4096; page++) {
            if (b.getLong(page * 4096) != (((long) buffer << 32) | page)) {
                return false;
            }
            for (int i = 8; i < 4096; i += 8) {
                if (b.getLong(page * 4096 + i) != 0x0101010101010101L * (buffer & 0x7f)) {
                    return false;
                }
            }
        }
        return true;
    }
}
