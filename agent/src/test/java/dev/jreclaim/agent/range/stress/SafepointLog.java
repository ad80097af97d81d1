package dev.jreclaim.agent.range.stress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Time to safepoint from a JDK 25 {@code -Xlog:safepoint} file, whose lines read
 * {@code [0.499s][info][safepoint] Safepoint "G1CollectForAllocation", Time since last: 468497043 ns,
 * Reaching safepoint: 4257 ns, At safepoint: 8802164 ns, ...}.
 *
 * @param count    safepoints logged
 * @param p50Nanos median time to reach a safepoint
 * @param p99Nanos 99th percentile
 * @param maxNanos slowest
 * @param slowest  the line of the slowest one
 */
record SafepointLog(int count, long p50Nanos, long p99Nanos, long maxNanos, String slowest) {
    private static final Pattern REACHING = Pattern.compile("Safepoint \"[^\"]*\".*Reaching safepoint: (\\d+) ns");

    static SafepointLog parse(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        long[] reach = new long[lines.size()];
        int n = 0;
        long max = -1;
        String slowest = "";
        for (String l : lines) {
            Matcher m = REACHING.matcher(l);
            if (m.find()) {
                reach[n] = Long.parseLong(m.group(1));
                if (reach[n] > max) {
                    max = reach[n];
                    slowest = l;
                }
                n++;
            }
        }
        long[] sorted = Arrays.copyOf(reach, n);
        Arrays.sort(sorted);
        return new SafepointLog(n, quantile(sorted, 0.50), quantile(sorted, 0.99), n == 0 ? 0 : sorted[n - 1], slowest);
    }

    private static long quantile(long[] sorted, double q) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
