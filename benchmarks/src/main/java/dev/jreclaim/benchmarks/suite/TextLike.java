package dev.jreclaim.benchmarks.suite;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;

/**
 * Text-like content (what the blob-cache sample serves: words in 96-byte lines, each line headed by its
 * number), different on every page, about 5-7x smaller under LZ4: the content the SNAPSHOT figures of
 * measured-2026-12 were taken on.
 */
final class TextLike {
    private static final byte[] WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod "
            + "tempor incididunt ut labore et dolore magna aliqua ").getBytes(StandardCharsets.US_ASCII);
    private static final int MIB = 1 << 20;
    private static final byte[] ONE_MIB = oneMiB();

    private TextLike() {}

    private static byte[] oneMiB() {
        byte[] b = new byte[MIB];
        for (int i = 0; i < MIB; i++) {
            int line = i / 96, col = i % 96;
            b[i] = col < 16 ? (byte) ('a' + ((line >>> (4 * (col % 8))) & 0xF)) : WORDS[(col + line) % WORDS.length];
        }
        return b;
    }

    /** Fills {@code s} (a multiple of 1 MiB); the first long of every page names the page. */
    static void fill(MemorySegment s) {
        for (long off = 0; off < s.byteSize(); off += MIB) {
            MemorySegment.copy(ONE_MIB, 0, s, ValueLayout.JAVA_BYTE, off, MIB);
        }
        for (long p = 0; p < s.byteSize(); p += 4096) {
            s.set(ValueLayout.JAVA_LONG_UNALIGNED, p, p * 0x9E3779B97F4A7C15L);
        }
    }
}
