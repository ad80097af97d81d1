package dev.jreclaim.agent.range.stress;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.Mman;
import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.LockResult;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Writes made while a range is being marked, purged and restored are never lost.
 *
 * <p>Writers own distinct slots spread over every page (see {@link SlotWriter}). Besides the purger that
 * calls {@link VolatileRange#purge()} (serialised with mark() by the range), a "pressure" thread calls
 * MADV_PAGEOUT on the range directly, as the kernel's reclaim may at any moment, including in the
 * middle of a mark or of a restore.
 */
class WriteAfterMarkTest {
    static final int WRITERS = 3;
    static final long PAGES = 2048; // 128 snapshot chunks of the default 16 pages
    static final Duration RUN = Duration.ofSeconds(Long.getLong("jreclaim.stress.seconds", 8));

    @Test
    void snapshotKeepsEveryWriteWhileMarkedPurgedAndRestored() throws Exception {
        try (RangeRegistry svc = RangeRegistry.start();
                VolatileRange r = svc.allocate(PAGES * Libc.pageSize(), RebuildSource.SNAPSHOT)) {
            MemorySegment s = r.segment();
            long seed = 11;
            fillAroundSlots(s, seed);
            r.mark();
            AtomicLong marks = new AtomicLong();
            StressRun run = new StressRun();
            List<SlotWriter> writers = startWriters(run, s);
            run.start("marker", () -> {
                r.mark();
                // lock() is O(1) for SNAPSHOT and must never report a loss; mark again right after.
                if (marks.incrementAndGet() % 4 == 0) {
                    assertEquals(LockResult.INTACT, r.lock(), "lock after mark " + marks.get());
                }
            });
            run.start("purger", r::purge);
            run.start("pressure", () -> pageout(r));
            run.runFor(RUN);
            run.assertNoFailure();

            long checked = assertNoWriteLost(writers, s);
            StringBuilder wrong = new StringBuilder();
            for (long off = 0; off < s.byteSize(); off += 8) {
                if (!SlotWriter.isSlot(off, WRITERS, Libc.pageSize()) && s.get(JAVA_LONG, off) != RangePattern.at(seed, off)
                        && wrong.length() < 2000) {
                    wrong.append("offset ").append(off).append(": ").append(s.get(JAVA_LONG, off)).append('\n');
                }
            }
            assertTrue(wrong.isEmpty(), "bytes no one wrote after the fill changed:\n" + wrong);
            FaultCounters c = svc.counters();
            report("SNAPSHOT", checked, marks.get(), c, r);
            assertTrue(c.faultEvents() > 0, "no purged page was ever touched: the test proved nothing; " + c);
            assertTrue(marks.get() > 0, "the marker never completed a mark");
        }
    }

    /**
     * The memory limit flips at every mark, so chunks go from a snapshot to none (ordinary memory: their purged
     * pages come back from the old snapshot inside the hold window, then every page is made non-lazyfree) and
     * back, while writers, the purger and the pressure run (docs/fault-path.md, "Snapshots only where they pay").
     */
    @Test
    void snapshotKeepsEveryWriteWhileChunksStopAndStartPaying() throws Exception {
        try (RangeRegistry svc = RangeRegistry.start();
                VolatileRange r = svc.allocate(PAGES * Libc.pageSize(), RebuildSource.SNAPSHOT)) {
            MemorySegment s = r.segment();
            long seed = 13;
            fillAroundSlots(s, seed);
            r.mark();
            AtomicLong marks = new AtomicLong();
            StressRun run = new StressRun();
            List<SlotWriter> writers = startWriters(run, s);
            run.start("marker", () -> {
                svc.setSnapshotLimits(125, marks.incrementAndGet() % 2 == 0 ? Long.MAX_VALUE : 0);
                r.mark();
            });
            run.start("purger", r::purge);
            run.start("pressure", () -> pageout(r));
            run.runFor(RUN);
            run.assertNoFailure();
            long checked = assertNoWriteLost(writers, s);
            for (long off = 0; off < s.byteSize(); off += 8) {
                if (!SlotWriter.isSlot(off, WRITERS, Libc.pageSize())) {
                    assertEquals(RangePattern.at(seed, off), s.get(JAVA_LONG, off), "offset " + off);
                }
            }
            FaultCounters c = svc.counters();
            report("SNAPSHOT limit flipping", checked, marks.get(), c, r);
            assertTrue(c.snapshots().overBudget() > 0 && c.snapshots().keptPlain() > 0, "no chunk ever went plain: " + c);
            assertTrue(c.faultEvents() > 0, "no purged page was ever touched: the test proved nothing; " + c);
        }
    }

    @Test
    void snapshotKeepsWritesRacingItsFirstMark() throws Exception {
        long checked = 0, cycles = 0, faults = 0;
        long end = System.nanoTime() + RUN.toNanos();
        try (RangeRegistry svc = RangeRegistry.start()) {
            while (cycles == 0 || System.nanoTime() < end) {
                // Never touched: every page is missing, so the writers' first touches fault while the
                // first mark runs, and the pages it has done are dropped by the pressure meanwhile.
                try (VolatileRange r = svc.allocate(PAGES * Libc.pageSize(), RebuildSource.SNAPSHOT)) {
                    StressRun run = new StressRun();
                    List<SlotWriter> writers = startWriters(run, r.segment());
                    run.start("pressure", () -> pageout(r));
                    run.start("first-mark", () -> {
                        r.mark();
                        run.stop();
                    });
                    run.runFor(Duration.ofSeconds(30));
                    run.assertNoFailure();
                    r.purge(); // a write that raced the mark but was made droppable goes now
                    checked += assertNoWriteLost(writers, r.segment());
                    cycles++;
                }
            }
            FaultCounters c = svc.counters();
            faults = c.faultEvents();
            System.out.printf("write-after-mark SNAPSHOT first mark: %d writes checked, 0 lost, %d cycles; %d faults served, "
                    + "%d pages restored, %d write-protect events%n", checked, cycles, faults, c.pagesRestored(), c.wpEvents());
        }
        assertTrue(faults > 0, "no fault was served");
    }

    @Test
    void zeroKeepsEveryWriteMadeAfterTheLastMark() throws Exception {
        try (RangeRegistry svc = RangeRegistry.start();
                VolatileRange r = svc.allocate(PAGES * Libc.pageSize(), RebuildSource.ZERO)) {
            MemorySegment s = r.segment();
            long seed = 12;
            fillAroundSlots(s, seed); // slots are 0, so they read 0 whether their page was purged or not
            r.mark();
            // Purge once before the writers start, so their first writes land on purged pages (faults the
            // service must answer), not only on pages that writes keep dirty from then on.
            r.purge();
            StressRun run = new StressRun();
            List<SlotWriter> writers = startWriters(run, s);
            run.start("purger", r::purge);
            run.start("pressure", () -> pageout(r));
            run.runFor(RUN);
            run.assertNoFailure();

            long checked = assertNoWriteLost(writers, s);
            // Every page was written after the last mark, so it is dirty and kept; its other bytes are those
            // of the fill, or zeros if the page had been purged before its first write. Never a mix.
            long ps = Libc.pageSize();
            StringBuilder wrong = new StringBuilder();
            for (long page = 0; page < PAGES; page++) {
                int fill = 0, zero = 0, other = 0;
                for (long off = page * ps; off < (page + 1) * ps; off += 8) {
                    if (SlotWriter.isSlot(off, WRITERS, ps)) {
                        continue;
                    }
                    long v = s.get(JAVA_LONG, off);
                    if (v == RangePattern.at(seed, off)) {
                        fill++;
                    } else if (v == 0) {
                        zero++;
                    } else {
                        other++;
                    }
                }
                if ((other > 0 || (fill > 0 && zero > 0)) && wrong.length() < 2000) {
                    wrong.append("page ").append(page).append(": ").append(fill).append(" fill, ").append(zero)
                            .append(" zero, ").append(other).append(" other longs\n");
                }
            }
            assertTrue(wrong.isEmpty(), "pages neither intact nor zeroed:\n" + wrong);
            FaultCounters c = svc.counters();
            report("ZERO", checked, 1, c, r);
            assertTrue(c.faultEvents() > 0, "no purged page was ever touched: the test proved nothing; " + c);
        }
    }

    /** Fills the range with the pattern, except the writers' slots, which start at 0. */
    static void fillAroundSlots(MemorySegment s, long seed) {
        RangePattern.fill(s, seed);
        for (long off = 0; off < s.byteSize(); off += 8) {
            if (SlotWriter.isSlot(off, WRITERS, Libc.pageSize())) {
                s.set(JAVA_LONG, off, 0);
            }
        }
    }

    static List<SlotWriter> startWriters(StressRun run, MemorySegment s) {
        List<SlotWriter> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            SlotWriter writer = new SlotWriter(w, PAGES, Libc.pageSize());
            writers.add(writer);
            SplittableRandom random = new SplittableRandom(w);
            run.start("writer-" + w, () -> writer.writeSome(s, random, 64));
        }
        return writers;
    }

    /** What memory pressure does, without the range's lock: drop every clean lazyfree page now. */
    static void pageout(VolatileRange r) {
        int e = Libc.madvise(r.address(), r.byteSize(), Mman.MADV_PAGEOUT);
        if (e < 0) {
            throw new IllegalStateException("madvise(MADV_PAGEOUT) " + r + ": " + Libc.strerror(-e));
        }
    }

    /** Asserts that no writer saw or left a lost write; returns the writes checked. */
    static long assertNoWriteLost(List<SlotWriter> writers, MemorySegment s) {
        long checked = 0, seen = 0, left = 0;
        StringBuilder why = new StringBuilder();
        for (SlotWriter w : writers) {
            checked += w.writes();
            seen += w.lostWrites();
            if (w.lostWrites() > 0) {
                why.append(w.lostWrites()).append(" seen by writer, first: ").append(w.firstLoss()).append('\n');
            }
            left += w.wrongSlots(s, why);
        }
        assertTrue(why.isEmpty(), seen + " lost write(s) seen by the writers and " + left
                + " slot(s) wrong at the end, among " + checked + " writes:\n" + why);
        assertTrue(checked > 0, "no write was made");
        return checked;
    }

    static void report(String what, long checked, long marks, FaultCounters c, VolatileRange r) {
        System.out.printf("write-after-mark %s: %d writes checked, 0 lost; %d marks, %d faults served, %d pages restored, "
                + "%d write-protect events, %d races, service p50 <= %d us, p99 <= %d us, max %d us; %s%n", what, checked,
                marks, c.faultEvents(), c.pagesRestored(), c.wpEvents(), c.races(), c.quantileNanos(0.5) / 1000,
                c.quantileNanos(0.99) / 1000, c.maxNanos() / 1000, r.stats());
    }
}
