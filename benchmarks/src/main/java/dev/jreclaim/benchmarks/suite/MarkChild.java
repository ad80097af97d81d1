package dev.jreclaim.benchmarks.suite;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Run with the agent and benchmarks/suite-mark.properties, where {@code load} is an on-return site. Measures what the
 * application's thread pays between the site's return and the caller getting the buffer back (the exit
 * advice: queueing the mark, or marking), how fast the marker then makes the buffers reclaimable, and LZ4
 * alone on the same bytes, in the same process. Arguments: buffer size in bytes, buffer count.
 * Prints {@code name: value} lines.
 */
public final class MarkChild {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static long returned;
    private static long returnedCpu;

    private MarkChild() {}

    /** The site: allocates and fills one buffer (3 random bytes of every 8: LZ4 halves it). */
    static ByteBuffer load(int size, long seed) {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        long x = seed | 1;
        for (int p = 0; p < size; p += 8) {
            x ^= x << 13;
            x ^= x >>> 7;
            x ^= x << 17;
            b.putLong(p, x & 0xFFFFFFL);
        }
        returned = System.nanoTime();
        returnedCpu = THREADS.getCurrentThreadCpuTime();
        return b;
    }

    public static void main(String[] args) throws Throwable {
        int size = Integer.parseInt(args[0]);
        int count = Integer.parseInt(args[1]);
        for (int i = 0; i < Math.min(count, 64); i++) { // warm-up: the advice, the fill and the mark compiled
            load(size, i + 1_000_000);
        }
        awaitMarks();
        List<ByteBuffer> kept = new ArrayList<>();
        long[] exit = new long[count];
        long[] exitCpu = new long[count];
        long markerCpu0 = markerCpu();
        long start = System.nanoTime();
        for (int i = 0; i < count; i++) {
            ByteBuffer b = load(size, i + 1);
            exit[i] = System.nanoTime() - returned;
            exitCpu[i] = THREADS.getCurrentThreadCpuTime() - returnedCpu;
            kept.add(b);
        }
        long produced = System.nanoTime();
        awaitMarks();
        long marked = System.nanoTime();
        long markerCpu = markerCpu() - markerCpu0;
        Arrays.sort(exit);
        Arrays.sort(exitCpu);
        String tag = size >= 1 << 20 ? (size >> 20) + "MiB" : (size >> 10) + "KiB";
        System.out.printf("mark-app-thread-%s-p50-us: %.1f%n", tag, exit[count / 2] / 1e3);
        System.out.printf("mark-app-thread-%s-p99-us: %.1f%n", tag, exit[(int) (count * 0.99)] / 1e3);
        System.out.printf("mark-app-thread-%s-cpu-p50-us: %.1f%n", tag, exitCpu[count / 2] / 1e3);
        double mib = (double) size * count / (1 << 20);
        // The marker starts with the first buffer and ends after the last: while the loop produces faster
        // than it marks, this is its own speed (the loop's time is printed to show it was faster).
        System.out.printf("produce-%s-MiBps: %.0f%n", tag, mib / ((produced - start) / 1e9));
        System.out.printf("mark-background-%s-MiBps: %.0f%n", tag, mib / ((marked - start) / 1e9));
        if (markerCpu > 0) {
            System.out.printf("mark-background-%s-cpu-MiBps: %.0f%n", tag, mib / (markerCpu / 1e9));
        }
        long lz4Cpu0 = THREADS.getCurrentThreadCpuTime();
        double lz4Wall = lz4(kept, size);
        double lz4Cpu = mib / ((THREADS.getCurrentThreadCpuTime() - lz4Cpu0) / 2 / 1e9); // two rounds
        System.out.printf("lz4-%s-MiBps: %.0f%n", tag, lz4Wall);
        System.out.printf("lz4-%s-cpu-MiBps: %.0f%n", tag, lz4Cpu);
    }

    /** CPU time of the agent's marker thread (user + system), 0 when there is none. */
    private static long markerCpu() {
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("jreclaim-marker")) {
                return Math.max(0, THREADS.getThreadCpuTime(t.threadId()));
            }
        }
        return 0;
    }

    private static void awaitMarks() throws Exception {
        try {
            Class<?> runtime = Class.forName("dev.jreclaim.agent.runtime.ReclaimRuntime", true, null);
            Object current = runtime.getMethod("current").invoke(null);
            Object policy = runtime.getMethod("policy").invoke(current);
            Class.forName("dev.jreclaim.agent.rules.AllocationPolicy", true, null)
                    .getMethod("awaitPendingMarks").invoke(policy);
        } catch (ClassNotFoundException | NoSuchMethodException markedInline) {
            // no agent, or one that marks on the application's thread: nothing to wait for
        }
    }

    /** LZ4_compress_default over the same buffers, MiB/s of input. */
    private static double lz4(List<ByteBuffer> buffers, int size) throws Throwable {
        Linker linker = Linker.nativeLinker();
        SymbolLookup lz4 = SymbolLookup.libraryLookup("liblz4.so.1", Arena.global());
        MethodHandle compress = linker.downcallHandle(lz4.find("LZ4_compress_default").orElseThrow(),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
        int bound = size + size / 255 + 16;
        MemorySegment out = Arena.global().allocate(bound);
        for (int r = 0; r < 2; r++) { // warm-up round, then the timed one
            long t = System.nanoTime();
            for (ByteBuffer b : buffers) {
                int n = (int) compress.invokeExact(MemorySegment.ofBuffer(b), out, size, bound);
                if (n <= 0) {
                    throw new IllegalStateException("LZ4_compress_default returned " + n);
                }
            }
            if (r == 1) {
                return (double) size * buffers.size() / (1 << 20) / ((System.nanoTime() - t) / 1e9);
            }
        }
        throw new AssertionError();
    }
}
