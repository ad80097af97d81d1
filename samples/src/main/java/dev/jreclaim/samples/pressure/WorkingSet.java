package dev.jreclaim.samples.pressure;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The child program of the pressure demo and test: fills a working set of off-heap buffers with
 * {@link ContentPattern}, reads all of it back several times checking every byte, and ends with a
 * {@link WorkingSetReport} line. Exit status 0 when every byte was right, 1 otherwise.
 *
 * <pre>java --enable-native-access=ALL-UNNAMED ... WorkingSet reclaimable|unmarked|plain [totalMiB [bufferMiB [passes]]]</pre>
 */
public final class WorkingSet {
    private static final long MIB = 1 << 20;

    public static void main(String[] args) {
        if (args.length < 1 || args.length > 4) {
            System.err.println("usage: WorkingSet reclaimable|unmarked|plain [totalMiB [bufferMiB [passes]]]");
            System.exit(2);
        }
        WorkingSetMode mode = WorkingSetMode.of(args[0]);
        long totalMiB = args.length > 1 ? Long.parseLong(args[1]) : 1024;
        long bufferMiB = args.length > 2 ? Long.parseLong(args[2]) : 16;
        int passes = args.length > 3 ? Integer.parseInt(args[3]) : 3;
        WorkingSetReport report = run(mode, (int) (totalMiB / bufferMiB), bufferMiB * MIB, passes);
        System.out.println(report.line());
        System.exit(report.wrongBytes() == 0 ? 0 : 1);
    }

    static WorkingSetReport run(WorkingSetMode mode, int buffers, long bufferBytes, int passes) {
        RangeRegistry service = mode == WorkingSetMode.PLAIN ? null : RangeRegistry.start();
        List<VolatileRange> ranges = new ArrayList<>();
        List<ByteBuffer> direct = new ArrayList<>(); // keeps the plain buffers reachable
        List<MemorySegment> segments = new ArrayList<>();
        System.out.printf("%s: %d buffers x %d MiB = %d MiB, %d read passes%s%n", mode.cliName(), buffers,
                bufferBytes / MIB, buffers * bufferBytes / MIB, passes,
                service == null ? ", ByteBuffer.allocateDirect" : ", fault service " + service.mode().description());
        try {
            long t0 = System.nanoTime();
            for (int i = 0; i < buffers; i++) {
                MemorySegment s;
                VolatileRange r = null;
                if (service == null) {
                    ByteBuffer b = ByteBuffer.allocateDirect(Math.toIntExact(bufferBytes));
                    direct.add(b);
                    s = MemorySegment.ofBuffer(b);
                } else {
                    r = service.allocate(bufferBytes, RebuildSource.SNAPSHOT);
                    ranges.add(r);
                    s = r.segment();
                }
                segments.add(s);
                ContentPattern.fill(s, i);
                if (mode == WorkingSetMode.RECLAIMABLE) {
                    r.mark(); // from here on the kernel may take its pages; the snapshot brings them back
                }
                if ((i + 1) % 16 == 0 || i + 1 == buffers) {
                    System.out.printf("  filled %d MiB, VmRSS %d MiB%n", (i + 1) * bufferBytes / MIB, procStatusBytes("VmRSS") / MIB);
                }
            }
            long fillMillis = (System.nanoTime() - t0) / 1_000_000;
            FaultCounters afterFill = service == null ? null : service.counters();
            long snapshotBytes = ranges.stream().mapToLong(r -> r.stats().snapshotBytes()).sum();
            if (snapshotBytes > 0) {
                System.out.printf("  filled in %d ms; snapshots %.1f MiB (%.0fx smaller than the data)%n", fillMillis,
                        snapshotBytes / (double) MIB, buffers * bufferBytes / (double) snapshotBytes);
            } else {
                System.out.printf("  filled in %d ms%n", fillMillis);
            }
            long wrong = 0;
            long[] passMillis = new long[passes];
            for (int p = 0; p < passes; p++) {
                long t = System.nanoTime();
                long passWrong = 0;
                for (int i = 0; i < buffers; i++) {
                    passWrong += ContentPattern.countWrongBytes(segments.get(i), i);
                }
                passMillis[p] = (System.nanoTime() - t) / 1_000_000;
                wrong += passWrong;
                FaultCounters c = service == null ? null : service.counters();
                System.out.printf("  read pass %d: %d wrong bytes, %d ms, VmRSS %d MiB%s%n", p + 1, passWrong, passMillis[p],
                        procStatusBytes("VmRSS") / MIB, c == null ? "" : ", faults since filling "
                                + (c.faultEvents() - afterFill.faultEvents()) + ", pages restored "
                                + (c.pagesRestored() - afterFill.pagesRestored()));
            }
            FaultCounters end = service == null ? null : service.counters();
            return new WorkingSetReport(mode, buffers * bufferBytes, buffers, passes, wrong,
                    end == null ? 0 : afterFill.faultEvents(),
                    end == null ? 0 : end.faultEvents() - afterFill.faultEvents(),
                    end == null ? 0 : end.pagesRestored() - afterFill.pagesRestored(), snapshotBytes,
                    procStatusBytes("VmHWM"), fillMillis, passMillis);
        } finally {
            ranges.forEach(VolatileRange::free);
            if (service != null) {
                service.close();
            }
        }
    }

    /** A size field of /proc/self/status (VmRSS, VmHWM) in bytes; -1 when absent. */
    static long procStatusBytes(String key) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith(key + ":")) {
                    return Long.parseLong(line.substring(key.length() + 1).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }
}
