package dev.jreclaim.samples.pressure;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * What one {@link WorkingSet} run found, as the one {@code RESULT key=value ...} line it prints last, so
 * that the parent (demo or test) reads the child's figures instead of trusting its exit code alone.
 *
 * @param bytes         size of the working set
 * @param buffers       how many buffers it was made of
 * @param passes        full read-backs done
 * @param wrongBytes    bytes that differed from the expected content, over all passes
 * @param fillFaults    fault events answered while filling: first touches of fresh pages, which the
 *                      registered ranges send to the fault service too (0 without jreclaim)
 * @param readFaults    fault events answered during the read-backs: pages the kernel had purged
 * @param readPagesRestored pages rebuilt from snapshots during the read-backs
 * @param snapshotBytes compressed snapshots held after marking
 * @param vmHwmBytes    the child's peak resident set (VmHWM)
 * @param fillMillis    time to fill (and mark) the whole working set
 * @param passMillis    time of each read-back
 */
public record WorkingSetReport(WorkingSetMode mode, long bytes, int buffers, int passes, long wrongBytes, long fillFaults,
        long readFaults, long readPagesRestored, long snapshotBytes, long vmHwmBytes, long fillMillis, long[] passMillis) {
    static final String PREFIX = "RESULT ";

    /** Bytes of working set per byte of snapshot; 0 when nothing was snapshotted. */
    public double compressionRatio() {
        return snapshotBytes == 0 ? 0 : (double) bytes / snapshotBytes;
    }

    public long readMillis() {
        return Arrays.stream(passMillis).sum();
    }

    public String line() {
        Map<String, String> kv = new LinkedHashMap<>();
        kv.put("mode", mode.cliName());
        kv.put("bytes", Long.toString(bytes));
        kv.put("buffers", Integer.toString(buffers));
        kv.put("passes", Integer.toString(passes));
        kv.put("wrongBytes", Long.toString(wrongBytes));
        kv.put("fillFaults", Long.toString(fillFaults));
        kv.put("readFaults", Long.toString(readFaults));
        kv.put("readPagesRestored", Long.toString(readPagesRestored));
        kv.put("snapshotBytes", Long.toString(snapshotBytes));
        kv.put("vmHwmBytes", Long.toString(vmHwmBytes));
        kv.put("fillMillis", Long.toString(fillMillis));
        kv.put("passMillis", Arrays.stream(passMillis).mapToObj(Long::toString).collect(Collectors.joining(",")));
        return PREFIX + kv.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    }

    /** The report in a line printed by {@link #line()}, if it is one. */
    public static Optional<WorkingSetReport> parse(String line) {
        if (!line.startsWith(PREFIX)) {
            return Optional.empty();
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (String f : line.substring(PREFIX.length()).trim().split(" ")) {
            int eq = f.indexOf('=');
            if (eq > 0) {
                kv.put(f.substring(0, eq), f.substring(eq + 1));
            }
        }
        try {
            String passes = kv.get("passMillis");
            return Optional.of(new WorkingSetReport(WorkingSetMode.of(kv.get("mode")), Long.parseLong(kv.get("bytes")),
                    Integer.parseInt(kv.get("buffers")), Integer.parseInt(kv.get("passes")),
                    Long.parseLong(kv.get("wrongBytes")), Long.parseLong(kv.get("fillFaults")),
                    Long.parseLong(kv.get("readFaults")), Long.parseLong(kv.get("readPagesRestored")), Long.parseLong(kv.get("snapshotBytes")),
                    Long.parseLong(kv.get("vmHwmBytes")), Long.parseLong(kv.get("fillMillis")),
                    passes == null || passes.isEmpty() ? new long[0]
                            : Arrays.stream(passes.split(",")).mapToLong(Long::parseLong).toArray()));
        } catch (RuntimeException malformed) { // a missing key (NPE) or a bad number: not a report
            return Optional.empty();
        }
    }
}
