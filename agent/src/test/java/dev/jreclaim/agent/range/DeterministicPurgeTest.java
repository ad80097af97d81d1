package dev.jreclaim.agent.range;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.linux.Libc;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Mark, purge with MADV_PAGEOUT, read back: per source, every byte is what the source promises. */
class DeterministicPurgeTest {
    static final long PAGE = Libc.pageSize();
    static RangeRegistry service;

    @TempDir
    Path tmp;

    @BeforeAll
    static void start() {
        service = RangeRegistry.start();
    }

    @AfterAll
    static void stop() {
        service.close();
    }

    /** Compressible (one value per 64-byte line) yet different on every page. */
    static long value(long offset, long seed) {
        return (offset / PAGE) * 31 + (offset % PAGE) / 64 + seed;
    }

    static void fill(MemorySegment s, long seed) {
        for (long i = 0; i < s.byteSize(); i += 8) {
            s.set(JAVA_LONG, i, value(i, seed));
        }
    }

    static void assertPurged(VolatileRange r) {
        RangeStats st = r.stats();
        assertTrue(st.residentBytes() <= r.byteSize() / 8, "MADV_PAGEOUT dropped the lazyfree pages: " + st);
        assertTrue(st.purgedBytes() >= r.byteSize() * 7 / 8, st.toString());
    }

    @Test
    void snapshotGivesBackEveryByte() {
        try (VolatileRange r = service.allocate(4 << 20, RebuildSource.SNAPSHOT)) {
            MemorySegment s = r.segment();
            fill(s, 7);
            assertEquals(0, r.stats().faults(), "first touches before the first mark are ordinary kernel faults");
            r.mark();
            assertTrue(r.stats().snapshotBytes() < r.byteSize() / 2, "compressible content compresses: " + r.stats());
            r.purge();
            assertPurged(r);
            for (long i = 0; i < s.byteSize(); i += 8) {
                assertEquals(value(i, 7), s.get(JAVA_LONG, i), "offset " + i);
            }
            RangeStats st = r.stats();
            assertTrue(st.pagesRestored() >= r.byteSize() / PAGE * 7 / 8, st.toString());
            assertTrue(st.faults() <= st.pagesRestored() / 8, "a fault restores its whole chunk, not one page: " + st);
            assertEquals(LockResult.INTACT, r.lock());
        }
    }

    @Test
    void snapshotKeepsWritesMadeAfterMark() {
        try (VolatileRange r = service.allocate(1 << 20, RebuildSource.SNAPSHOT)) {
            MemorySegment s = r.segment();
            fill(s, 1);
            r.mark();
            for (long p = 0; p < s.byteSize(); p += 2 * PAGE) {
                s.set(JAVA_LONG, p + 8, -p); // every other page written after the mark
            }
            r.purge();
            for (long i = 0; i < s.byteSize(); i += 8) {
                boolean written = (i / PAGE) % 2 == 0 && i % PAGE == 8;
                assertEquals(written ? -(i - 8) : value(i, 1), s.get(JAVA_LONG, i), "offset " + i);
            }
        }
    }

    /** Random bytes do not compress: no snapshot is kept, the range stays ordinary memory (docs/fault-path.md). */
    @Test
    void randomBytesKeepNoSnapshotAndStayOrdinaryMemory() {
        byte[] data = new byte[256 << 10];
        new Random(42).nextBytes(data);
        try (VolatileRange r = service.allocate(data.length, RebuildSource.SNAPSHOT)) {
            MemorySegment.copy(data, 0, r.segment(), JAVA_BYTE, 0, data.length);
            r.mark();
            r.purge();
            RangeStats s = r.stats();
            assertEquals(0, s.snapshotBytes(), s.toString());
            assertEquals(data.length, s.keptBytes(), s.toString());
            assertEquals(0, s.volatileBytes(), "kept chunks are not volatile: " + s);
            assertEquals(data.length, s.residentBytes(), "nothing was dropped: " + s);
            byte[] back = r.segment().toArray(JAVA_BYTE);
            assertEquals(-1, java.util.Arrays.mismatch(data, back), "index of the first wrong byte");
        }
    }

    /** With the zero fallback (on-purge=rebuild:snapshot,zero), random chunks are freed and read as zeros once purged. */
    @Test
    void randomBytesFallBackToZerosWhenTheRuleSaysSo() {
        byte[] data = new byte[256 << 10];
        new Random(42).nextBytes(data);
        try (VolatileRange r = service.allocate(data.length, RebuildSource.SNAPSHOT)) {
            r.fallBackTo(RebuildSource.ZERO);
            MemorySegment.copy(data, 0, r.segment(), JAVA_BYTE, 0, data.length);
            r.mark();
            r.purge();
            assertPurged(r);
            assertEquals(0, r.stats().keptBytes());
            byte[] back = r.segment().toArray(JAVA_BYTE);
            assertEquals(-1, java.util.Arrays.mismatch(new byte[data.length], back), "index of the first non-zero byte");
        }
    }

    @Test
    void zeroReadsZeroBecauseZeroWasChosen() {
        try (VolatileRange r = service.allocate(1 << 20, RebuildSource.ZERO)) {
            MemorySegment s = r.segment();
            fill(s, 3);
            r.mark();
            r.purge();
            assertPurged(r);
            for (long i = 0; i < s.byteSize(); i += 8) {
                assertEquals(0, s.get(JAVA_LONG, i), "offset " + i);
            }
        }
    }

    @Test
    void fileSourceRereadsTheFile() throws Exception {
        byte[] data = new byte[(int) (64 * PAGE) + 100];
        new Random(7).nextBytes(data);
        Path f = Files.write(tmp.resolve("source.bin"), data);
        try (VolatileRange r = service.allocateFromFile(data.length, f, 0)) {
            MemorySegment.copy(data, 0, r.segment(), JAVA_BYTE, 0, data.length);
            r.mark();
            r.purge();
            assertPurged(r);
            for (int i = 0; i < data.length; i++) {
                assertEquals(data[i], r.segment().get(JAVA_BYTE, i), "offset " + i);
            }
            for (long i = data.length; i < r.byteSize(); i++) { // past the end of the file: zeros, as a file mapping
                assertEquals(0, r.segment().get(JAVA_BYTE, i), "offset " + i);
            }
        }
    }

    /**
     * POISON: every purged page raises an error on a plain Java access (never silent zeros), and lock()
     * reports PURGED and hands back a zeroed range. Reads are done one call per page from the interpreter
     * or C1, the accesses HotSpot turns into a synchronous InternalError (docs/fault-path.md, "SIGBUS is not an exception mechanism").
     */
    @Test
    void poisonNeverHandsOutSilentBytes() {
        try (VolatileRange r = service.allocate(16 * PAGE, RebuildSource.POISON)) {
            r.segment().fill((byte) 5);
            r.mark();
            r.purge();
            assertPurged(r);
            ByteBuffer b = r.asByteBuffer();
            for (long p = 0; p < r.byteSize(); p += PAGE) {
                int at = (int) (p + 17);
                InternalError e = assertThrows(InternalError.class, () -> b.get(at), "page at " + p);
                assertTrue(e.getMessage().contains("unsafe memory access"), e.getMessage());
            }
            assertEquals(16, r.stats().pagesPoisoned());
            long purgedLocks = service.lockResults().get(LockResult.PURGED);
            assertEquals(LockResult.PURGED, r.lock());
            assertEquals(purgedLocks + 1, service.lockResults().get(LockResult.PURGED), "lock results are counted");
            for (long i = 0; i < r.byteSize(); i++) {
                assertEquals(0, r.segment().get(JAVA_BYTE, i), "a PURGED range is handed back zeroed");
            }
        }
    }

    @Test
    void poisonUntouchedAndUnpurgedLocksIntact() {
        try (VolatileRange r = service.allocate(16 * PAGE, RebuildSource.POISON)) {
            r.segment().fill((byte) 5);
            r.mark();
            assertEquals(LockResult.INTACT, r.lock());
            assertEquals(5, r.segment().get(JAVA_BYTE, 9 * PAGE));
            r.mark();
            r.purge();
            assertEquals(LockResult.PURGED, r.lock(), "purged but never touched: lock still finds the loss");
        }
    }
}
