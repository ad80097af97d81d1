package dev.jreclaim.benchmarks.suite;

import static dev.jreclaim.benchmarks.suite.BenchLine.f;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Time to safepoint under a fault storm against the same JVM without faults ({@link SafepointChild} in
 * {@code storm} and {@code quiet} mode, alternated, twice each), from {@code -Xlog:safepoint}'s "Reaching
 * safepoint" of every safepoint. Issue 11: within 1.1x of no faults, p50 and p99.
 *
 * <p>{@code SafepointBench <seconds per run> <work dir>}; runs its children with this JVM's java and class path.
 */
public final class SafepointBench {
    private static final Pattern REACHING = Pattern.compile("Safepoint \"[^\"]*\".*Reaching safepoint: (\\d+) ns");
    static final double GOAL = 1.10;
    /**
     * What benchmarks/scripts/safepoint-why.sh measured (docs/benchmarks.md, "Time to safepoint under a fault storm"):
     * a late safepoint waits for a reader that waited for at most one or two faults, and a fault that takes
     * milliseconds is one whose worker was runnable without a CPU.
     */
    static final String WHY = "a reader in a fault waits for a fault worker that is runnable without a CPU (2 CPUs"
            + " shared with the storm's purger, in MADV_PAGEOUT on a kernel without full preemption, the readers, the VM"
            + " thread and the rest of the machine), then for a CPU itself; benchmarks/scripts/safepoint-why.sh";

    private SafepointBench() {}

    public static void main(String[] args) throws Exception {
        String seconds = args[0];
        Path dir = Path.of(args[1]);
        List<Long> storm = new ArrayList<>(), quiet = new ArrayList<>();
        long faults = 0, stormPasses = 0, quietPasses = 0;
        for (int round = 0; round < 2; round++) {
            for (String mode : List.of("quiet", "storm")) {
                Path log = dir.resolve("safepoint-" + mode + "-" + round + ".log");
                String out = child(mode, seconds, log);
                List<Long> into = mode.equals("storm") ? storm : quiet;
                for (String l : Files.readAllLines(log)) {
                    Matcher m = REACHING.matcher(l);
                    if (m.find()) {
                        into.add(Long.parseLong(m.group(1)));
                    }
                }
                long f = figure(out, "faults"), p = figure(out, "passes");
                if (mode.equals("storm")) {
                    faults += f;
                    stormPasses += p;
                } else {
                    quietPasses += p;
                }
            }
        }
        long[] s = sorted(storm), q = sorted(quiet);
        String detail = storm.size() + " safepoints under " + faults + " faults (" + stormPasses + " passes), "
                + quiet.size() + " without faults (" + quietPasses + " passes)";
        for (double pct : new double[] {0.50, 0.99}) {
            long a = quantile(s, pct), b = quantile(q, pct);
            String name = "safepoint-storm-p" + Math.round(pct * 100);
            System.out.println(BenchLine.atMost(name, (double) a / Math.max(1, b), "x",
                    "time to safepoint " + f(a / 1e3) + " us under the storm, " + f(b / 1e3) + " us without; " + detail,
                    GOAL, WHY));
        }
    }

    private static String child(String mode, String seconds, Path log) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = List.of(java.toString(), "-Xmx256m", "--enable-native-access=ALL-UNNAMED",
                "-Xlog:safepoint=info:file=" + log + ":uptime,level,tags:filecount=0",
                "-cp", System.getProperty("java.class.path"), SafepointChild.class.getName(), mode, seconds);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(Long.parseLong(seconds) + 60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException("safepoint child (" + mode + ") failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    private static long figure(String out, String key) {
        Matcher m = Pattern.compile(key + "=(\\d+)").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    private static long[] sorted(List<Long> v) {
        long[] a = v.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(a);
        return a;
    }

    private static long quantile(long[] sorted, double q) {
        return sorted.length == 0 ? 0 : sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }
}
