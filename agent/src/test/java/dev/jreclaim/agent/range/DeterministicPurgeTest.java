package dev.jreclaim.agent.range;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class DeterministicPurgeTest {
    static FaultService service;

    @BeforeAll
    static void start() {
        service = FaultService.start();
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    static void fill(MemorySegment s, long seed) {
        for (long i = 0; i < s.byteSize(); i += 8) {
            s.set(JAVA_LONG, i, (i / 4096) * 31 + seed);
        }
    }

    @Test
    void snapshotRestoresEveryByte() {
        try (VolatileRange r = service.allocate(4 << 20, RebuildSource.SNAPSHOT)) {
            MemorySegment s = r.segment();
            fill(s, 7);
            r.mark();
            r.purge();
            RangeStats after = r.stats();
            assertTrue(after.residentBytes() < r.byteSize() / 8, "purge dropped the pages: " + after);
            for (long i = 0; i < s.byteSize(); i += 8) {
                assertEquals((i / 4096) * 31 + 7, s.get(JAVA_LONG, i), "offset " + i);
            }
            RangeStats st = r.stats();
            assertTrue(st.pagesRestored() > 0, st.toString());
            assertEquals(LockResult.INTACT, r.lock());
        }
    }

    @Test
    void zeroReadsZero() {
        try (VolatileRange r = service.allocate(1 << 20, RebuildSource.ZERO)) {
            MemorySegment s = r.segment();
            fill(s, 3);
            r.mark();
            r.purge();
            for (long i = 0; i < s.byteSize(); i++) {
                assertEquals(0, s.get(JAVA_BYTE, i), "offset " + i);
            }
        }
    }
}
