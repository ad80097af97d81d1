package dev.jreclaim.agent.range.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Faults served while safepoints are forced: runs {@link SafepointStressChild} in its own JVM, with its
 * safepoints logged, under a watchdog. A JVM that hangs at a safepoint (a fault path that needs the JVM)
 * stops making progress; the watchdog then takes a jhsdb stack dump, kills the child and fails with it.
 *
 * <p>System properties {@code jreclaim.stress.*} are passed on to the child (run length, fault injection).
 */
class SafepointStressTest {
    static final long SECONDS = Long.getLong("jreclaim.stress.seconds", 20);
    static final long STALL_SECONDS = Long.getLong("jreclaim.stress.stallSeconds", 15);

    @Test
    void faultsAreServedWhileGcForcesSafepoints() throws Exception {
        Path log = Files.createTempFile("jreclaim-safepoint-", ".log");
        Path stderr = Files.createTempFile("jreclaim-stress-child-", ".err");
        log.toFile().deleteOnExit();
        stderr.toFile().deleteOnExit();
        try {
            Process child = new ProcessBuilder(command(log)).redirectError(stderr.toFile()).start();
            ChildProgress progress = new ChildProgress(child.getInputStream());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS + 30);
            while (!child.waitFor(1, TimeUnit.SECONDS)) {
                String why = progress.nanosSinceAdvance() > TimeUnit.SECONDS.toNanos(STALL_SECONDS)
                        ? "no progress for " + STALL_SECONDS + " s (last: " + progress.lastProgress() + ")"
                        : System.nanoTime() > deadline ? "still running " + (SECONDS + 30) + " s after its start" : null;
                if (why != null) {
                    String dump = ThreadDump.of(child.pid());
                    child.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                    fail("stress child " + why + "; killed it.\n" + dump + "\n--- child output:\n" + progress.tail(20)
                            + "\n--- child stderr:\n" + tail(stderr) + "\n--- safepoint log:\n" + tail(log));
                }
            }
            progress.awaitEnd();
            String context = "\n--- child output:\n" + progress.tail(5) + "\n--- child stderr:\n" + tail(stderr);
            Map<String, Long> summary = progress.summary();
            assertNotNull(summary, "the child printed no summary" + context);
            assertEquals(0, child.exitValue(), "child exit status" + context);
            assertEquals(0L, summary.get("wrong"), "wrong bytes read" + context);
            assertTrue(summary.get("faults") > 0, "no fault served" + context);
            assertTrue(summary.get("gcs") > 0, "no System.gc() completed" + context);

            SafepointLog safepoints = SafepointLog.parse(log);
            System.out.printf("safepoint stress: %d faults served (%d pages restored), %d bytes verified, 0 wrong, "
                    + "%d System.gc(), %d collections, %d re-marks, service p50 <= %d us, p99 <= %d us, max %d us; "
                    + "%d safepoints, time to safepoint p50 %d us, p99 %d us, max %d us; slowest: %s%n",
                    summary.get("faults"), summary.get("pagesRestored"), summary.get("verified"), summary.get("gcs"),
                    summary.get("collections"), summary.get("marks"), summary.get("serviceP50Ns") / 1000,
                    summary.get("serviceP99Ns") / 1000, summary.get("serviceMaxNs") / 1000, safepoints.count(),
                    safepoints.p50Nanos() / 1000, safepoints.p99Nanos() / 1000, safepoints.maxNanos() / 1000,
                    safepoints.slowest());
            assertTrue(safepoints.count() > 0, "no safepoint parsed from " + log + ":\n" + tail(log));
        } finally {
            Files.deleteIfExists(log);
            Files.deleteIfExists(stderr);
        }
    }

    static List<String> command(Path log) {
        String classes = System.getProperty("test.jreclaim.classes");
        assertNotNull(classes, "system property test.jreclaim.classes (set by the agent's pom)");
        String testClasses = Path.of(SafepointStressChild.class.getProtectionDomain().getCodeSource().getLocation()
                .getPath()).toString();
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-Xmx256m", "-XX:+UseG1GC",
                "-Xlog:safepoint=info:file=" + log + ":uptime,level,tags:filecount=0")); // no rotation files left behind
        System.getProperties().stringPropertyNames().stream().filter(k -> k.startsWith("jreclaim.stress."))
                .forEach(k -> cmd.add("-D" + k + "=" + System.getProperty(k)));
        cmd.addAll(List.of("-cp", testClasses + File.pathSeparator + classes, SafepointStressChild.class.getName()));
        return cmd;
    }

    static String tail(Path file) {
        try {
            List<String> lines = Files.readAllLines(file);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (Exception e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }
}
