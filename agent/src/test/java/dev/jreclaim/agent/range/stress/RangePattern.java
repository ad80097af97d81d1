package dev.jreclaim.agent.range.stress;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;

/** The content a stress test writes into a range, so that any reader can tell a wrong byte. */
final class RangePattern {
    private RangePattern() {}

    /**
     * The long at {@code offset} (a multiple of 8) of a range filled with {@code seed}; never zero. One value per
     * 64-byte line, different on every line: LZ4 shrinks it about sixfold, so SNAPSHOT chunks keep their
     * snapshot (random content keeps none and stays ordinary memory: docs/fault-path.md, "Snapshots only where
     * they pay").
     */
    static long at(long seed, long offset) {
        long x = seed * 0x9E3779B97F4A7C15L + (offset >>> 6);
        x ^= x >>> 31;
        x *= 0xBF58476D1CE4E5B9L;
        x ^= x >>> 29;
        return x | 1L;
    }

    static void fill(MemorySegment s, long seed) {
        for (long off = 0; off < s.byteSize(); off += 8) {
            s.set(JAVA_LONG, off, at(seed, off));
        }
    }

    /** How many of the 8 bytes of {@code actual} differ from {@code expected}. */
    static int wrongBytes(long actual, long expected) {
        long diff = actual ^ expected;
        int n = 0;
        for (int i = 0; i < 8; i++, diff >>>= 8) {
            if ((diff & 0xff) != 0) {
                n++;
            }
        }
        return n;
    }
}
