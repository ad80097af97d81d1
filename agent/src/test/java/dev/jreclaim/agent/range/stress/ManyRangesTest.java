package dev.jreclaim.agent.range.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.range.RangeMemory;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RangeState;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * 200,000 reclaimable ranges of 16 KiB live at once (issue 10, "never crash at any scale"): each written with its
 * own pattern, marked (so registered with the userfaultfd) and purged, then read back byte for byte through the
 * fault service. Ranges share the library's regions (docs/fault-path.md, "How ranges share mappings"), so the
 * process's mapping count stays far below vm.max_map_count (65,530 here: one mapping per range, as before, would
 * have passed it); registered neighbours merge back into one mapping. Work goes in batches so that no more than
 * one batch is resident at a time.
 */
class ManyRangesTest {
    static final int RANGES = Integer.getInteger("test.manyRanges", 200_000);
    static final int SIZE = 16 * 1024;
    static final int BATCH = 10_000;

    @Test
    void twoHundredThousandLiveRangesInFewMappings() throws Exception {
        try (RangeRegistry svc = RangeRegistry.start()) {
            long maxMapCount = Long.parseLong(Files.readAllLines(Path.of("/proc/sys/vm/max_map_count")).getFirst().strip());
            VolatileRange[] ranges = new VolatileRange[RANGES];
            long[] ns = new long[4];
            for (int b = 0; b < RANGES; b += BATCH) {
                long t0 = System.nanoTime();
                for (int i = b; i < b + BATCH; i++) {
                    ranges[i] = svc.allocateUnscoped(SIZE, RebuildSource.SNAPSHOT, null);
                    MemorySegment s = memory(ranges[i]);
                    for (int k = 0; k < SIZE / 8; k++) {
                        s.set(ValueLayout.JAVA_LONG_UNALIGNED, k * 8L, pattern(i, k));
                    }
                }
                long t1 = System.nanoTime();
                for (int i = b; i < b + BATCH; i++) {
                    ranges[i].mark();
                }
                long t2 = System.nanoTime();
                for (int i = b; i < b + BATCH; i++) {
                    ranges[i].purge();
                }
                ns[0] += t1 - t0;
                ns[1] += t2 - t1;
                ns[2] += System.nanoTime() - t2;
            }
            long maps = Files.readAllLines(Path.of("/proc/self/maps")).size();
            RangeMemory m = svc.memory();
            System.out.printf("%d live marked ranges of %d bytes: %d mappings in the process (vm.max_map_count %d), %s%n",
                    RANGES, SIZE, maps, maxMapCount, m);
            assertEquals(RANGES, svc.nativeLiveRanges());
            assertTrue(maps < 10_000, maps + " mappings for " + RANGES + " ranges");
            assertEquals(0, m.refusedRegistrations(), m.toString());
            assertEquals((long) RANGES * SIZE, m.slotBytes(), m.toString()); // 16 KiB is a size class: no slack
            int purged = 0;
            for (int i = 0; i < RANGES; i += 97) {
                purged += ranges[i].stats().residentBytes() == 0 ? 1 : 0;
            }
            assertTrue(purged > RANGES / 97 / 2, "only " + purged + " sampled ranges were purged: the test proves little");

            long wrong = 0;
            for (int i = 0; i < RANGES; i++) {
                MemorySegment s = memory(ranges[i]);
                for (int k = 0; k < SIZE / 8; k++) {
                    wrong += s.get(ValueLayout.JAVA_LONG_UNALIGNED, k * 8L) != pattern(i, k) ? 1 : 0;
                }
                assertEquals(RangeState.VOLATILE, ranges[i].state());
                ranges[i].free();
            }
            System.out.printf("allocate+write %d ms, mark %d ms, purge %d ms%n", ns[0] / 1_000_000, ns[1] / 1_000_000,
                    ns[2] / 1_000_000);
            assertEquals(0, wrong, "wrong longs read back");
            assertTrue(svc.counters().faultEvents() > 0, "no purged page was touched: " + svc.counters());
            assertEquals(0, svc.nativeLiveRanges());
            assertEquals(0, svc.memory().slotBytes(), svc.memory().toString());
        }
    }

    static MemorySegment memory(VolatileRange r) {
        return MemorySegment.ofAddress(r.address()).reinterpret(r.byteSize());
    }

    /** Compressible (it repeats every 256 bytes, so snapshots stay small) yet distinct per range and page. */
    static long pattern(int range, int k) {
        return (range * 0x9E3779B97F4A7C15L) ^ ((long) (k >>> 9) << 56) ^ (k & 31);
    }
}
