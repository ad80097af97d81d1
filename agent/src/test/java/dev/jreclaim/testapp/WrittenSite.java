package dev.jreclaim.testapp;

import java.nio.ByteBuffer;
import java.util.function.BiConsumer;

/** The on-return site of WritesAfterMarkIT's child (the agent's own packages are never sites). */
public final class WrittenSite {
    private WrittenSite() {}

    /** A direct buffer of {@code size} bytes filled by {@code fill}; marked by the agent when this returns. */
    public static ByteBuffer load(int size, BiConsumer<ByteBuffer, Integer> fill, int buffer) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        fill.accept(b, buffer);
        return b;
    }
}
