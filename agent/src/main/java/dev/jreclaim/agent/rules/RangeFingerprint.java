package dev.jreclaim.agent.rules;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.jreclaim.agent.linux.Libc;
import java.lang.foreign.MemorySegment;

/**
 * A cheap hash of a LOCKED range's content: 16 words of every page, one per 256 bytes. Reading does not
 * dirty pages, and never-touched pages read as the shared zero page. A write that changes only words it
 * does not sample is missed: then the range is marked while still in use, which costs memory (written
 * pages stay dirty, hence resident) but never data, since marking never loses a racing write.
 */
final class RangeFingerprint {
    private static final long PAGE = Libc.pageSize();
    static final long STRIDE = 256;

    private RangeFingerprint() {}

    /** The caller guarantees the range stays mapped meanwhile. */
    static long of(long address, long byteSize) {
        MemorySegment m = MemorySegment.ofAddress(address).reinterpret(byteSize);
        long h = 0x9E3779B97F4A7C15L;
        for (long page = 0; page + PAGE <= byteSize; page += PAGE) {
            for (long off = 0; off < PAGE; off += STRIDE) {
                h = (Long.rotateLeft(h, 23) ^ m.get(JAVA_LONG_UNALIGNED, page + off)) * 0xBF58476D1CE4E5B9L;
            }
        }
        return h;
    }
}
