package dev.jreclaim.benchmarks.suite;

import static java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED;

import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One JVM of {@link SafepointBench}: two reader threads read one long per page of four marked 8 MiB SNAPSHOT
 * ranges in turn while a thread forces a safepoint every 10 ms ({@code System.gc()}). In {@code storm} mode a
 * purger drops the ranges' pages again and again, so nearly every chunk the readers touch faults and is rebuilt
 * by the native service while the reader stays in Java; in {@code quiet} mode nothing is purged, the same reads
 * never fault. Safepoints come from {@code -Xlog:safepoint}, set by the parent.
 *
 * <p>{@code SafepointChild storm|quiet <seconds>}; prints {@code faults=<n> passes=<n>}.
 */
public final class SafepointChild {
    static final int RANGES = 4;
    static final long RANGE_BYTES = 8 << 20;

    private SafepointChild() {}

    public static void main(String[] args) throws Exception {
        boolean storm = args[0].equals("storm");
        long millis = Long.parseLong(args[1]) * 1000;
        try (RangeRegistry reg = RangeRegistry.start()) {
            List<VolatileRange> ranges = new ArrayList<>();
            for (int i = 0; i < RANGES; i++) {
                VolatileRange r = reg.allocate(RANGE_BYTES, RebuildSource.SNAPSHOT);
                TextLike.fill(r.segment());
                r.mark();
                ranges.add(r);
            }
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong passes = new AtomicLong(), sink = new AtomicLong();
            List<Thread> threads = new ArrayList<>();
            for (int t = 0; t < 2; t++) {
                int first = t;
                threads.add(Thread.ofPlatform().name("reader-" + t).start(() -> {
                    for (int n = first; !stop.get(); n++) {
                        MemorySegment s = ranges.get(n % RANGES).segment();
                        long sum = 0;
                        for (long p = 0; p < RANGE_BYTES; p += 4096) {
                            sum += s.get(JAVA_LONG_UNALIGNED, p);
                        }
                        sink.addAndGet(sum);
                        passes.incrementAndGet();
                    }
                }));
            }
            if (storm) {
                threads.add(Thread.ofPlatform().name("purger").start(() -> {
                    while (!stop.get()) {
                        for (VolatileRange r : ranges) {
                            r.purge();
                        }
                    }
                }));
            }
            threads.add(Thread.ofPlatform().name("safepoints").start(() -> {
                while (!stop.get()) {
                    System.gc();
                    try {
                        Thread.sleep(10);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }));
            Thread.sleep(millis);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            System.out.println("faults=" + reg.counters().faultEvents() + " passes=" + passes.get());
            for (VolatileRange r : ranges) {
                r.free();
            }
        }
    }
}
