package dev.jreclaim.samples.pressure;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The working set's content: every byte is a function of (buffer index, offset), so a read-back can
 * check each one, and the content compresses well, because the snapshots LZ4 takes of it are charged to
 * the same memory cgroup as the buffers.
 *
 * <p>Each 4 KiB block starts with an 8-byte header naming its buffer and block (a block restored to the
 * wrong place, or a purged page handed back as zeros, is caught), followed by bytes
 * {@code seed + (i mod 32)} with a seed per block (a shift inside the block is caught). LZ4 stores a
 * block as a few dozen literal bytes plus one long match: about 90x.
 */
public final class ContentPattern {
    public static final int BLOCK = 4096;
    private static final int HEADER = 8;
    private static final int PERIOD = 32;
    /** "JR" in the top bytes, so that no header is zero. */
    private static final long TAG = 0x4A52_0000_0000_0000L;
    private static final ValueLayout.OfLong WORD = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private ContentPattern() {}

    /** The byte at {@code offset} of buffer {@code index}. */
    public static byte expectedByte(int index, long offset) {
        long block = offset / BLOCK;
        int i = (int) (offset % BLOCK);
        if (i < HEADER) {
            return (byte) (header(index, block) >>> (8 * i));
        }
        return (byte) (seed(index, block) + i % PERIOD);
    }

    /** Writes buffer {@code index}'s content into {@code s} (whose size is a multiple of {@link #BLOCK}). */
    public static void fill(MemorySegment s, int index) {
        checkSize(s);
        long[] words = new long[PERIOD / 8];
        for (long b = 0, off = 0; off < s.byteSize(); b++, off += BLOCK) {
            blockWords(index, b, words);
            s.set(WORD, off, header(index, b));
            for (int i = HEADER; i < BLOCK; i += 8) {
                s.set(WORD, off + i, words[(i % PERIOD) / 8]);
            }
        }
    }

    /** How many bytes of {@code s} differ from buffer {@code index}'s content; reads every byte once. */
    public static long countWrongBytes(MemorySegment s, int index) {
        checkSize(s);
        long[] words = new long[PERIOD / 8];
        long wrong = 0;
        for (long b = 0, off = 0; off < s.byteSize(); b++, off += BLOCK) {
            blockWords(index, b, words);
            wrong += wrongBytes(s.get(WORD, off) ^ header(index, b));
            for (int i = HEADER; i < BLOCK; i += 8) {
                long x = s.get(WORD, off + i) ^ words[(i % PERIOD) / 8];
                if (x != 0) {
                    wrong += wrongBytes(x);
                }
            }
        }
        return wrong;
    }

    private static long header(int index, long block) {
        return TAG | ((long) index << 32) | block;
    }

    private static int seed(int index, long block) {
        return index * 131 + (int) block * 17;
    }

    /** The little-endian words of the pattern part of a block, one per 8 bytes of its period. */
    private static void blockWords(int index, long block, long[] words) {
        int seed = seed(index, block);
        for (int w = 0; w < words.length; w++) {
            long v = 0;
            for (int j = 0; j < 8; j++) {
                v |= ((seed + w * 8 + j) & 0xffL) << (8 * j);
            }
            words[w] = v;
        }
    }

    /** Non-zero bytes of an XOR of two words: the bytes that differ. */
    private static int wrongBytes(long x) {
        int n = 0;
        for (; x != 0; x >>>= 8) {
            if ((x & 0xff) != 0) {
                n++;
            }
        }
        return n;
    }

    private static void checkSize(MemorySegment s) {
        if (s.byteSize() % BLOCK != 0) {
            throw new IllegalArgumentException("buffer size " + s.byteSize() + " is not a multiple of " + BLOCK);
        }
    }
}
