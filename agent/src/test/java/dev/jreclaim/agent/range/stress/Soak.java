package dev.jreclaim.agent.range.stress;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.LockResult;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The soak (docs/soak.md, scripts/soak; not part of ./build.sh test): for a long run, a GC storm, purges,
 * writers and readers over SNAPSHOT, ZERO, FILE and POISON ranges, every byte and write checked. Each range
 * has one writer, which locks it, checks it, rewrites it, marks it and writes some pages after the mark (those
 * must never be lost); readers and the purger work on it while it is marked. Prints a {@code progress} line
 * every 5 s (scripts/soak takes a thread dump when they stop moving) and a {@code summary}; exits 1 on any
 * wrong byte or failed thread. {@code -Djreclaim.soak.seconds} (default 600);
 * {@code -Djreclaim.soak.serviceDelayMillis} makes the fault service wait that long per fault (a stall, on purpose).
 */
public final class Soak {
    static final int PAGE = 4096, PAGES = 256, PER_SOURCE = 4, READERS = 2;
    static final List<RebuildSource> SOURCES = List.of(RebuildSource.SNAPSHOT, RebuildSource.ZERO, RebuildSource.FILE,
            RebuildSource.POISON);

    final AtomicLong cycles = new AtomicLong(), checkedBytes = new AtomicLong(), wrongBytes = new AtomicLong(),
            writesAfterMark = new AtomicLong(), purges = new AtomicLong(), gcs = new AtomicLong(),
            lockedPurged = new AtomicLong();

    /** One range and what its bytes must be: per page the stamp of its last write, and whether since the mark. */
    final class Slot {
        final VolatileRange range;
        final RebuildSource source;
        final long[] stamp = new long[PAGES];
        final boolean[] sinceMark = new boolean[PAGES];
        final ReentrantReadWriteLock use = new ReentrantReadWriteLock();
        long next = 1;

        Slot(VolatileRange range, RebuildSource source) {
            this.range = range;
            this.source = source;
        }

        long seed(long s) {
            return range.id() * 1_000_003L + s;
        }

        /**
         * Checks every byte; a page not written since the mark may read as zeros where the source makes purged
         * pages zero (ZERO); a POISON range that lock() called PURGED reads as zeros throughout (as ashmem).
         */
        void check(boolean purgedReadsZero) {
            check(purgedReadsZero, false);
        }

        void check(boolean purgedReadsZero, boolean allZero) {
            MemorySegment m = range.segment();
            long bad = 0;
            for (int p = 0; p < PAGES; p++) {
                long base = (long) p * PAGE;
                // A marked ZERO page may be purged while it is read: content, then zeros, never content again.
                boolean mayZero = purgedReadsZero && !sinceMark[p];
                boolean zero = allZero;
                long seed = source == RebuildSource.FILE ? fileSeed(range) : seed(stamp[p]);
                for (long off = 0; off < PAGE; off += 8) {
                    long v = m.get(JAVA_LONG, base + off);
                    zero |= v == 0 && mayZero; // the pattern is never 0
                    bad += RangePattern.wrongBytes(v, zero ? 0 : RangePattern.at(seed, base + off));
                }
            }
            checkedBytes.addAndGet((long) PAGES * PAGE);
            if (bad > 0) {
                wrongBytes.addAndGet(bad);
                System.out.println("WRONG " + bad + " bytes in " + range + " (" + source + ")");
            }
        }

        void write(int page, long s) {
            MemorySegment m = range.segment();
            long seed = seed(s);
            for (long off = (long) page * PAGE; off < (long) (page + 1) * PAGE; off += 8) {
                m.set(JAVA_LONG, off, RangePattern.at(seed, off));
            }
            stamp[page] = s;
        }

        /** The writer's cycle: lock, check, rewrite (not FILE), mark, write some pages after the mark. */
        void cycle(SplittableRandom rnd) {
            use.writeLock().lock();
            try {
                LockResult r = range.lock();
                if (r == LockResult.PURGED) {
                    lockedPurged.incrementAndGet();
                }
                check(source == RebuildSource.ZERO, source == RebuildSource.POISON && r == LockResult.PURGED);
                if (source != RebuildSource.FILE) {
                    long s = next++;
                    for (int p = 0; p < PAGES; p++) {
                        write(p, s);
                    }
                }
                java.util.Arrays.fill(sinceMark, false);
                range.mark();
                if (source != RebuildSource.FILE) {
                    for (int i = rnd.nextInt(8); i > 0; i--) {
                        int p = rnd.nextInt(PAGES);
                        write(p, next++);
                        sinceMark[p] = true;
                        writesAfterMark.incrementAndGet();
                    }
                }
            } finally {
                use.writeLock().unlock();
            }
            cycles.incrementAndGet();
        }

        /** A reader while the range is marked: POISON pages are read only by the writer after lock(). */
        void read() {
            use.readLock().lock();
            try {
                if (source != RebuildSource.POISON) {
                    check(source == RebuildSource.ZERO);
                }
            } finally {
                use.readLock().unlock();
            }
        }

        void purge() {
            use.readLock().lock();
            try {
                range.purge();
                purges.incrementAndGet();
            } finally {
                use.readLock().unlock();
            }
        }
    }

    static long fileSeed(VolatileRange r) {
        return 0x5EED;
    }

    public static void main(String[] args) throws Exception {
        Duration time = Duration.ofSeconds(Long.getLong("jreclaim.soak.seconds", 600));
        System.exit(new Soak().run(time));
    }

    int run(Duration time) throws Exception {
        Path file = Files.createTempFile("jreclaim-soak-", ".bin");
        try (RangeRegistry svc = RangeRegistry.start(); Arena arena = Arena.ofConfined()) {
            MemorySegment content = arena.allocate((long) PAGES * PAGE, PAGE);
            RangePattern.fill(content, 0x5EED);
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
                ch.write(content.asByteBuffer());
            }
            List<Slot> slots = new ArrayList<>();
            for (RebuildSource source : SOURCES) {
                for (int i = 0; i < PER_SOURCE; i++) {
                    VolatileRange r = source == RebuildSource.FILE ? svc.allocateFromFile((long) PAGES * PAGE, file, 0)
                            : svc.allocate((long) PAGES * PAGE, source);
                    Slot s = new Slot(r, source);
                    if (source == RebuildSource.FILE) {
                        MemorySegment.copy(content, 0, r.segment(), 0, content.byteSize());
                    } else {
                        for (int p = 0; p < PAGES; p++) {
                            s.write(p, 0);
                        }
                    }
                    r.mark();
                    slots.add(s);
                }
            }
            long delay = Long.getLong("jreclaim.soak.serviceDelayMillis", 0); // to see scripts/soak catch a stall
            if (delay > 0) {
                svc.injectServiceDelayForTesting(Duration.ofMillis(delay));
            }
            StressRun run = new StressRun();
            for (RebuildSource source : SOURCES) {
                List<Slot> own = slots.stream().filter(s -> s.source == source).toList();
                SplittableRandom rnd = new SplittableRandom(source.ordinal());
                run.start("writer-" + source, () -> {
                    own.get(rnd.nextInt(own.size())).cycle(rnd);
                    Thread.sleep(rnd.nextInt(5));
                });
            }
            for (int i = 0; i < READERS; i++) {
                SplittableRandom rnd = new SplittableRandom(100 + i);
                run.start("reader-" + i, () -> slots.get(rnd.nextInt(slots.size())).read());
            }
            SplittableRandom purgeRnd = new SplittableRandom(7);
            run.start("purger", () -> {
                slots.get(purgeRnd.nextInt(slots.size())).purge();
                Thread.sleep(1);
            });
            run.start("gc", () -> {
                System.gc();
                gcs.incrementAndGet();
            });
            SplittableRandom churnRnd = new SplittableRandom(9);
            byte[][] kept = new byte[512][];
            run.start("churn", () -> {
                for (int i = 0; i < 64; i++) {
                    kept[churnRnd.nextInt(kept.length)] = new byte[churnRnd.nextInt(1, 1 << (i == 0 ? 21 : 16))];
                }
            });
            long start = System.nanoTime(), end = start + time.toNanos();
            while (System.nanoTime() < end && !run.awaitStop(Duration.ofSeconds(5))) {
                System.out.println("progress t=" + (System.nanoTime() - start) / 1_000_000_000 + "s "
                        + figures(svc.counters()));
            }
            run.stopAndJoin();
            for (Slot s : slots) { // a last check of everything, every write included
                s.use.writeLock().lock();
                LockResult r = s.range.lock();
                s.check(s.source == RebuildSource.ZERO, s.source == RebuildSource.POISON && r == LockResult.PURGED);
            }
            FaultCounters c = svc.counters();
            System.out.println("summary seconds=" + (System.nanoTime() - start) / 1_000_000_000 + " " + figures(c)
                    + " pagesRebuilt=" + c.pagesRestored() + " rebuildFailures=" + c.rebuildFailures()
                    + " serviceP50Ns=" + c.quantileNanos(0.5) + " serviceP99Ns=" + c.quantileNanos(0.99)
                    + " serviceMaxNs=" + c.maxNanos() + " failures=" + run.failures().size());
            run.failures().forEach(Throwable::printStackTrace);
            for (Slot s : slots) {
                s.range.free();
            }
            return run.failures().isEmpty() && wrongBytes.get() == 0 ? 0 : 1;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private String figures(FaultCounters c) {
        return "cycles=" + cycles + " checkedMiB=" + (checkedBytes.get() >> 20) + " wrongBytes=" + wrongBytes
                + " writesAfterMark=" + writesAfterMark + " purges=" + purges + " lockedPurged=" + lockedPurged
                + " faults=" + c.faultEvents() + " wpFaults=" + c.wpEvents() + " gcs=" + gcs;
    }
}
