package dev.jreclaim.agent.range.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.RangeMemory;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.LockResult;
import dev.jreclaim.agent.range.RebuildSource;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.junit.jupiter.api.Test;

/**
 * Ranges allocated, marked, locked, purged and freed from many threads at once, while readers check every
 * byte they read and a pressure thread drops lazyfree pages as reclaim would (also in the middle of a
 * mark, the first one included). Afterwards nothing may be left: no native range, no Java range, no
 * mapping.
 */
class RangeConcurrencyTest {
    static final int SLOTS = 16;
    static final int OPERATORS = 4;
    static final int READERS = 2;
    static final long MAX_PAGES = 256; // up to 16 snapshot chunks
    static final Duration RUN = Duration.ofSeconds(Long.getLong("jreclaim.stress.seconds", 10));

    /** What one run did; all figures are totals over its threads. */
    static final class Tally {
        final AtomicLong allocated = new AtomicLong(), freed = new AtomicLong(), marks = new AtomicLong(),
                locks = new AtomicLong(), purges = new AtomicLong(), verified = new AtomicLong(),
                wrongBytes = new AtomicLong(), racedFrees = new AtomicLong();
        final StringBuilder firstErrors = new StringBuilder();

        @Override
        public String toString() {
            return allocated + " allocated, " + freed + " freed, " + marks + " marks, " + locks + " locks, " + purges
                    + " purges, " + verified + " bytes verified, " + wrongBytes + " wrong bytes, " + racedFrees
                    + " operations met a range freed by another thread";
        }
    }

    @Test
    void rangesComeAndGoWhileFaultsAreServed() throws Exception {
        try (RangeRegistry svc = RangeRegistry.start()) {
            // A first, short run creates what the JVM and libc keep afterwards (thread stacks, malloc
            // arenas, compiled code), so that the mappings counted around the real run are comparable.
            run(svc, Duration.ofSeconds(1), new Tally());
            ProcessMappings before = ProcessMappings.now();
            RangeMemory memBefore = svc.memory();

            Tally t = new Tally();
            run(svc, RUN, t);
            FaultCounters c = svc.counters();
            ProcessMappings after = ProcessMappings.now();
            RangeMemory memAfter = svc.memory();

            System.out.printf("range concurrency: %s; %d faults served, %d pages restored, %d write-protect events, "
                    + "%d stale events, %d races; mappings before: %s; after: %s%n", t, c.faultEvents(), c.pagesRestored(),
                    c.wpEvents(), c.staleEvents(), c.races(), before, after);
            assertEquals(0, t.wrongBytes.get(), "wrong bytes read:\n" + t.firstErrors);
            assertEquals(0, svc.nativeLiveRanges(), "ranges left in the native table");
            assertTrue(svc.ranges().isEmpty(), "ranges left in the service: " + svc.ranges());
            assertEquals(0, c.rebuildFailures(), "rebuild failures: " + c);
            assertEquals(0, c.installErrors(), "ioctl errors: " + c);
            String diff = "mappings before: " + before + ", after: " + after + "\nonly before:\n"
                    + String.join("\n", before.linesNotIn(after)) + "\nonly after:\n" + String.join("\n", after.linesNotIn(before));
            // Every range is a slot of the library's MADV_NOHUGEPAGE regions (and, once marked, registered with
            // the userfaultfd): a leaked range shows as a slot still held, a registration left, or NOHUGEPAGE
            // bytes beyond the regions' reservation (which may grow with the peak of live bytes; freed slots
            // stay in their regions, given back to the kernel). The JVM's own mappings come and go meanwhile,
            // so the total line count (in the message above) says nothing either way.
            diff += "\nmemory before: " + memBefore + "\nafter: " + memAfter;
            assertEquals(before.userfaultfd(), after.userfaultfd(), diff);
            assertEquals(0, memAfter.slotBytes(), diff);
            assertEquals(before.noHugePageBytes() - memBefore.reservedBytes(),
                    after.noHugePageBytes() - memAfter.reservedBytes(), diff);
            assertTrue(c.faultEvents() > 0, "no purged page was touched: the test proved nothing; " + c);
            assertTrue(t.freed.get() > OPERATORS && t.marks.get() > 0 && t.locks.get() > 0, t.toString());
        }
    }

    /** One run: operators and readers for {@code time}, then every range freed. */
    static void run(RangeRegistry svc, Duration time, Tally t) throws InterruptedException {
        AtomicReferenceArray<LiveRange> slots = new AtomicReferenceArray<>(SLOTS);
        StressRun run = new StressRun();
        for (int i = 0; i < OPERATORS; i++) {
            SplittableRandom random = new SplittableRandom(100 + i);
            run.start("operator-" + i, () -> operate(svc, slots, random, t));
        }
        for (int i = 0; i < READERS; i++) {
            SplittableRandom random = new SplittableRandom(200 + i);
            run.start("reader-" + i, () -> read(slots.get(random.nextInt(SLOTS)), t));
        }
        run.start("pressure", () -> {
            for (int i = 0; i < SLOTS; i++) {
                LiveRange r = slots.get(i);
                if (r != null) {
                    r.pageout();
                }
            }
        });
        run.runFor(time);
        for (int i = 0; i < SLOTS; i++) {
            LiveRange r = slots.getAndSet(i, null);
            if (r != null) {
                r.free();
                t.freed.incrementAndGet();
            }
        }
        run.assertNoFailure();
    }

    static void operate(RangeRegistry svc, AtomicReferenceArray<LiveRange> slots, SplittableRandom random, Tally t) {
        int i = random.nextInt(SLOTS);
        LiveRange r = slots.get(i);
        if (r == null) {
            RebuildSource source = random.nextBoolean() ? RebuildSource.SNAPSHOT : RebuildSource.ZERO;
            LiveRange fresh = new LiveRange(svc.allocate((1 + random.nextLong(MAX_PAGES)) * Libc.pageSize(), source));
            t.allocated.incrementAndGet();
            if (!slots.compareAndSet(i, null, fresh)) {
                fresh.free();
                t.freed.incrementAndGet();
                return;
            }
            r = fresh; // shared before its first mark: readers and pressure meet the first mark too
        }
        try {
            switch (r == slots.get(i) ? random.nextInt(6) : 0) {
                case 0 -> {
                    r.range.mark();
                    t.marks.incrementAndGet();
                }
                case 1 -> {
                    assertEquals(LockResult.INTACT, r.range.lock(), r.range + " lost pages although rebuildable");
                    t.locks.incrementAndGet();
                }
                case 2 -> {
                    r.range.purge();
                    t.purges.incrementAndGet();
                }
                case 3 -> read(r, t);
                default -> {
                    if (slots.compareAndSet(i, r, null)) {
                        r.free();
                        t.freed.incrementAndGet();
                    }
                }
            }
        } catch (IllegalStateException e) {
            r.freedMeanwhile(e);
            t.racedFrees.incrementAndGet();
        }
    }

    static void read(LiveRange r, Tally t) {
        if (r == null) {
            return;
        }
        StringBuilder errors = new StringBuilder();
        long wrong = r.verify(errors);
        if (wrong < 0) {
            t.racedFrees.incrementAndGet();
            return;
        }
        t.verified.addAndGet(r.range.byteSize());
        if (wrong > 0) {
            t.wrongBytes.addAndGet(wrong);
            synchronized (t.firstErrors) {
                if (t.firstErrors.length() < 4000) {
                    t.firstErrors.append(errors);
                }
            }
        }
    }
}
