package dev.jreclaim.benchmarks.suite;

import static dev.jreclaim.benchmarks.suite.BenchLine.f;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;

/**
 * Access to marked pages that are still resident (no pressure, no fault): a read pass over every long of a
 * marked range, first and second pass after the mark, against the same pass over plain memory of the same size
 * in the same process. Each repetition marks the range again. Run with the agent jar on the class path.
 *
 * <p>{@code AccessChild <MiB>}; prints {@code name: value (…; goal …)} lines.
 */
public final class AccessChild {
    static final int REPS = 7;
    /** Issue 11's goal for the service as a whole; no separate goal is set for access, the same bar is used. */
    static final double GOAL = 0.97;

    private AccessChild() {}

    public static void main(String[] args) {
        long size = Math.min(Long.parseLong(args[0]) << 20, 1L << 30);
        // What the plain JDK hands out for the same request: a direct buffer (malloc).
        MemorySegment plain = MemorySegment.ofBuffer(java.nio.ByteBuffer.allocateDirect(Math.toIntExact(size)));
        TextLike.fill(plain);
        try (RangeRegistry reg = RangeRegistry.start()) {
            // ZERO: the mark is MADV_FREE and write-protect with no snapshot to take; SNAPSHOT's pages are the same after it.
            VolatileRange r = reg.allocate(size, RebuildSource.ZERO);
            MemorySegment s = r.segment();
            MemorySegment.copy(plain, 0, s, 0, size);
            long sink = 0;
            for (int i = 0; i < 6; i++) { // compiled, with both kinds of segment seen, before anything is timed
                sink += read(plain)[0] + read(s)[0];
            }
            // Paired: each repetition's passes against its own plain pass, so the machine's drift cancels; medians.
            double[] first = new double[REPS], second = new double[REPS], base = new double[REPS];
            double[] firstRatio = new double[REPS], secondRatio = new double[REPS];
            for (int i = 0; i < REPS; i++) {
                r.mark();
                long[] c = read(plain), a = read(s), b = read(s);
                sink += a[0] + b[0] + c[0];
                first[i] = size / (a[1] / 1e9) / 1e9;
                second[i] = size / (b[1] / 1e9) / 1e9;
                base[i] = size / (c[1] / 1e9) / 1e9;
                firstRatio[i] = (double) c[1] / a[1];
                secondRatio[i] = (double) c[1] / b[1];
            }
            long resident = r.stats().residentBytes();
            double p = median(base), a = median(first), b = median(second);
            String detail = "read of every long, " + (size >> 20) + " MiB marked and resident (" + (resident >> 20)
                    + " MiB), plain " + f(p) + " GB/s, median of " + REPS + " paired passes; no goal of its own in issue 11,"
                    + " the service's bar";
            System.out.println(BenchLine.atLeast("access-first-pass", median(firstRatio), "x", "marked " + f(a) + " GB/s, " + detail,
                    GOAL, "accessed/dirty bits set again page by page after MADV_FREE"));
            System.out.println(BenchLine.atLeast("access-second-pass", median(secondRatio), "x", "marked " + f(b) + " GB/s, " + detail,
                    GOAL, "noise or residual page-table work"));
            if (sink == 42) {
                System.out.println();
            }
            r.free();
        }
    }

    /** {sum, nanoseconds}. */
    private static long[] read(MemorySegment s) {
        long t = System.nanoTime(), sum = 0;
        for (long i = 0; i < s.byteSize(); i += 8) {
            sum += s.get(JAVA_LONG, i);
        }
        return new long[] {sum, System.nanoTime() - t};
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }
}
