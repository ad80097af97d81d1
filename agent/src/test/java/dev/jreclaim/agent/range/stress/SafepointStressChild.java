package dev.jreclaim.agent.range.stress;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The child JVM of {@link SafepointStressTest}: Java threads keep touching purged pages (the fault service
 * answers them while they stay _thread_in_Java) while other threads force safepoints with System.gc() and
 * allocation churn. If anything in the fault path needed the JVM, the first safepoint would hang.
 *
 * <p>Prints {@code progress faults=… verified=… wrong=… gcs=…} every 250 ms and a {@code summary} line at
 * the end. Exit status 0 when every byte read was right and no thread failed.
 *
 * <p>System properties: {@code jreclaim.stress.seconds} (run length, default 20);
 * {@code jreclaim.stress.serviceDelayMillis} (delay the service injects before each answer once the
 * ranges are set up: with a large one the child hangs, which is how the parent's watchdog is checked).
 */
public final class SafepointStressChild {
    static final int RANGES = 4;
    static final long RANGE_BYTES = 4 << 20;
    static final int READERS = 2;

    private final AtomicLong verified = new AtomicLong(), wrong = new AtomicLong(), gcs = new AtomicLong(),
            purges = new AtomicLong(), marks = new AtomicLong(), churned = new AtomicLong();

    public static void main(String[] args) throws Exception {
        Duration time = Duration.ofSeconds(Long.getLong("jreclaim.stress.seconds", 20));
        long delayMillis = Long.getLong("jreclaim.stress.serviceDelayMillis", 0);
        System.exit(new SafepointStressChild().run(time, delayMillis));
    }

    int run(Duration time, long delayMillis) throws Exception {
        try (RangeRegistry svc = RangeRegistry.start()) {
            List<VolatileRange> ranges = new ArrayList<>();
            for (int i = 0; i < RANGES; i++) {
                VolatileRange r = svc.allocate(RANGE_BYTES, RebuildSource.SNAPSHOT);
                RangePattern.fill(r.segment(), r.id());
                r.mark();
                ranges.add(r);
            }
            if (delayMillis > 0) {
                svc.injectServiceDelayForTesting(Duration.ofMillis(delayMillis));
            }
            StressRun run = new StressRun();
            run.start("purger", () -> {
                for (VolatileRange r : ranges) {
                    r.purge();
                    purges.incrementAndGet();
                }
            });
            SplittableRandom markPick = new SplittableRandom(1);
            run.start("marker", () -> { // a re-mark races the readers' faults and takes a fresh snapshot
                ranges.get(markPick.nextInt(RANGES)).mark();
                marks.incrementAndGet();
            });
            for (int i = 0; i < READERS; i++) {
                int reader = i;
                AtomicLong pass = new AtomicLong();
                run.start("reader-" + i, () -> {
                    long n = pass.getAndIncrement();
                    verify(ranges.get((int) ((n + reader) % RANGES)), (int) (n % 3));
                });
            }
            run.start("gc", () -> {
                System.gc();
                gcs.incrementAndGet();
            });
            SplittableRandom churnSizes = new SplittableRandom(2);
            byte[][] kept = new byte[512][];
            run.start("churn", () -> { // young collections, humongous allocations now and then
                for (int i = 0; i < 64; i++) {
                    kept[churnSizes.nextInt(kept.length)] = new byte[churnSizes.nextInt(1, 1 << (i == 0 ? 21 : 16))];
                }
                churned.addAndGet(64);
            });

            long end = System.nanoTime() + time.toNanos();
            while (System.nanoTime() < end && !run.awaitStop(Duration.ofMillis(250))) {
                System.out.println("progress " + figures(svc.counters()));
            }
            run.stopAndJoin();
            FaultCounters c = svc.counters();
            System.out.println("summary " + figures(c) + " pagesRestored=" + c.pagesRestored() + " purges=" + purges
                    + " marks=" + marks + " arraysAllocated=" + churned + " collections=" + collections()
                    + " serviceP50Ns=" + c.quantileNanos(0.5) + " serviceP99Ns=" + c.quantileNanos(0.99)
                    + " serviceMaxNs=" + c.maxNanos() + " failures=" + run.failures().size());
            run.failures().forEach(f -> f.printStackTrace());
            for (VolatileRange r : ranges) {
                r.free();
            }
            return run.failures().isEmpty() && wrong.get() == 0 ? 0 : 1;
        }
    }

    private String figures(FaultCounters c) {
        return "faults=" + c.faultEvents() + " verified=" + verified + " wrong=" + wrong + " gcs=" + gcs;
    }

    private static long collections() {
        return ManagementFactory.getGarbageCollectorMXBeans().stream()
                .mapToLong(GarbageCollectorMXBean::getCollectionCount).sum();
    }

    /** Reads the whole range one of three ways (plain loads, a bulk copy, a ByteBuffer) and checks every long. */
    private void verify(VolatileRange r, int way) {
        MemorySegment s = r.segment();
        long seed = r.id(), bad = 0;
        switch (way) {
            case 0 -> {
                for (long off = 0; off < s.byteSize(); off += 8) {
                    bad += RangePattern.wrongBytes(s.get(JAVA_LONG, off), RangePattern.at(seed, off));
                }
            }
            case 1 -> {
                long[] buf = new long[8192];
                for (long base = 0; base < s.byteSize(); base += buf.length * 8L) {
                    MemorySegment.copy(s, JAVA_LONG, base, buf, 0, buf.length); // Unsafe.copyMemory
                    for (int i = 0; i < buf.length; i++) {
                        bad += RangePattern.wrongBytes(buf[i], RangePattern.at(seed, base + i * 8L));
                    }
                }
            }
            default -> {
                ByteBuffer b = r.asByteBuffer().order(ByteOrder.nativeOrder());
                for (int off = 0; off < b.capacity(); off += 8) {
                    bad += RangePattern.wrongBytes(b.getLong(off), RangePattern.at(seed, off));
                }
            }
        }
        wrong.addAndGet(bad);
        verified.addAndGet(s.byteSize());
    }
}
