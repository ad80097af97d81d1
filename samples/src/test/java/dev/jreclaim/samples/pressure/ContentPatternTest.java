package dev.jreclaim.samples.pressure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

class ContentPatternTest {
    private static final int BLOCK = ContentPattern.BLOCK;

    private static MemorySegment filled(Arena arena, int blocks, int index) {
        MemorySegment s = arena.allocate((long) blocks * BLOCK, BLOCK);
        ContentPattern.fill(s, index);
        return s;
    }

    @Test
    void fillWritesExactlyTheExpectedBytes() {
        try (Arena arena = Arena.ofConfined()) {
            for (int index : new int[] {0, 1, 63, 1000}) {
                MemorySegment s = filled(arena, 5, index);
                for (long off = 0; off < s.byteSize(); off++) {
                    assertEquals(ContentPattern.expectedByte(index, off), s.get(ValueLayout.JAVA_BYTE, off),
                            "buffer " + index + " offset " + off);
                }
                assertEquals(0, ContentPattern.countWrongBytes(s, index));
            }
        }
    }

    @Test
    void countsEachWrongByte() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = filled(arena, 4, 7);
            s.set(ValueLayout.JAVA_BYTE, 3, (byte) ~s.get(ValueLayout.JAVA_BYTE, 3)); // header
            s.set(ValueLayout.JAVA_BYTE, BLOCK + 100, (byte) ~s.get(ValueLayout.JAVA_BYTE, BLOCK + 100));
            s.set(ValueLayout.JAVA_BYTE, BLOCK + 101, (byte) ~s.get(ValueLayout.JAVA_BYTE, BLOCK + 101));
            s.set(ValueLayout.JAVA_BYTE, s.byteSize() - 1, (byte) ~s.get(ValueLayout.JAVA_BYTE, s.byteSize() - 1));
            assertEquals(4, ContentPattern.countWrongBytes(s, 7));
        }
    }

    @Test
    void catchesAZeroedPageAMisplacedPageAndAnotherBuffersPage() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = filled(arena, 3, 5);
            s.asSlice(BLOCK, BLOCK).fill((byte) 0); // a purged page handed back as zeros
            long expectedZeros = 0;
            for (long off = BLOCK; off < 2 * BLOCK; off++) {
                expectedZeros += ContentPattern.expectedByte(5, off) == 0 ? 1 : 0;
            }
            assertEquals(BLOCK - expectedZeros, ContentPattern.countWrongBytes(s, 5));

            ContentPattern.fill(s, 5);
            s.asSlice(2 * BLOCK, BLOCK).copyFrom(s.asSlice(0, BLOCK)); // restored at the wrong place
            assertTrue(ContentPattern.countWrongBytes(s, 5) >= BLOCK / 2);

            ContentPattern.fill(s, 5);
            assertTrue(ContentPattern.countWrongBytes(s, 6) >= 3L * BLOCK / 2, "buffer 6 read as buffer 5");
        }
    }

    @Test
    void rejectsASizeThatIsNotWholeBlocks() {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocate(BLOCK + 8);
            assertThrows(IllegalArgumentException.class, () -> ContentPattern.fill(s, 0));
            assertThrows(IllegalArgumentException.class, () -> ContentPattern.countWrongBytes(s, 0));
        }
    }

    /** The snapshots live in the same cgroup as the working set: 1 GiB must not need more than ~51 MiB. */
    @Test
    void snapshotsCompressItAtLeastTwentyTimes() {
        try (RangeRegistry service = RangeRegistry.start();
                VolatileRange r = service.allocate(2 << 20, RebuildSource.SNAPSHOT)) {
            ContentPattern.fill(r.segment(), 42);
            r.mark();
            long snapshot = r.stats().snapshotBytes();
            assertTrue(snapshot > 0 && snapshot * 20 <= r.byteSize(),
                    "snapshot " + snapshot + " bytes for " + r.byteSize() + " (" + r.byteSize() / (double) snapshot + "x)");
            assertEquals(0, ContentPattern.countWrongBytes(r.segment(), 42));
        }
    }
}
