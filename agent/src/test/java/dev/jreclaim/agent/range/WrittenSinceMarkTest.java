package dev.jreclaim.agent.range;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.foreign.MemorySegment;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Honest figures (docs/fault-path.md, "Writes after the mark"): {@code volatileBytes} is what the kernel can drop
 * now; chunks written since the mark are {@code writtenBytes} instead, in the range's stats, the registry's
 * accounting and the service's first-write counter, until the next mark. Every byte written is read back.
 */
class WrittenSinceMarkTest {
    static final long CHUNK = 64 << 10; // the registry's default chunk (16 pages of 4 KiB)
    static RangeRegistry service;

    @BeforeAll
    static void start() {
        service = RangeRegistry.start();
        assumeTrue(service.writeProtect(), "skipped: the userfaultfd lacks UFFD_FEATURE_PAGEFAULT_FLAG_WP");
        assumeTrue(service.options().chunkPages() * dev.jreclaim.agent.linux.Libc.pageSize() == CHUNK,
                "the default chunk is 64 KiB");
    }

    @AfterAll
    static void stop() {
        if (service != null) {
            service.close();
        }
    }

    static long value(long offset, long seed) {
        return offset / 64 + seed;
    }

    @Test
    void writtenChunksAreNotVolatileUntilTheNextMark() {
        for (RebuildSource source : new RebuildSource[] {RebuildSource.SNAPSHOT, RebuildSource.ZERO}) {
            long size = 32 * CHUNK;
            try (VolatileRange r = service.allocate(size, source)) {
                MemorySegment s = r.segment();
                for (long i = 0; i < size; i += 8) {
                    s.set(JAVA_LONG, i, value(i, 1));
                }
                r.mark();
                RangeStats st = r.stats();
                assertEquals(size, st.volatileBytes(), source + " " + st);
                assertEquals(0, st.writtenBytes(), source + " " + st);

                long first = service.counters().firstWrites();
                // One write in each of 5 chunks (two in the last one), nothing else.
                for (long c : new long[] {0, 3, 4, 17, 31}) {
                    s.set(JAVA_LONG, c * CHUNK + 800, value(c * CHUNK + 800, 2));
                }
                s.set(JAVA_LONG, 31 * CHUNK + 4096, value(31 * CHUNK + 4096, 2));
                st = r.stats();
                assertEquals(5 * CHUNK, st.writtenBytes(), source + " " + st);
                assertEquals(size - 5 * CHUNK, st.volatileBytes(), source + " " + st);
                assertEquals(5, service.counters().firstWrites() - first, source.toString());
                Accounting a = Accounting.of(java.util.List.of(r));
                assertEquals(5 * CHUNK, a.writtenBytes());
                assertEquals(size - 5 * CHUNK, a.volatileBytes());

                // Purged, the written pages stay and the rest comes back: every byte as last written.
                r.purge();
                long bad = 0;
                for (long i = 0; i < size; i += 8) {
                    boolean written = (i % CHUNK == 800 && java.util.Set.of(0L, 3L, 4L, 17L, 31L).contains(i / CHUNK))
                            || i == 31 * CHUNK + 4096;
                    long want = written ? value(i, 2) : source == RebuildSource.ZERO ? 0 : value(i, 1);
                    long got = s.get(JAVA_LONG, i);
                    // A ZERO page the purge missed keeps its bytes: either is right for it, a written one never zero.
                    bad += got == want || (!written && source == RebuildSource.ZERO && got == value(i, 1)) ? 0 : 1;
                }
                assertEquals(0, bad, source + ": wrong words");
                assertEquals(5 * CHUNK, r.stats().writtenBytes(), source + ": reading back wrote nothing");

                r.mark();
                st = r.stats();
                assertEquals(0, st.writtenBytes(), source + " " + st);
                assertEquals(size, st.volatileBytes(), source + " " + st);
                r.lock();
                assertEquals(0, r.stats().volatileBytes(), "a locked range is not volatile");
            }
        }
    }
}
