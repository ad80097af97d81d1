package dev.jreclaim.samples.blobcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.samples.service.DemoReport;
import dev.jreclaim.samples.service.HttpLoad;
import dev.jreclaim.samples.service.ServiceOutcome;
import dev.jreclaim.samples.service.ServiceRun;
import dev.jreclaim.samples.service.ServiceTests;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * End to end: the unmodified sample service, with -javaagent and a properties file, in a memory cgroup
 * smaller than its cache, under load: every response's bytes are right and it is not OOM-killed; the
 * same service and load on the plain JDK is OOM-killed.
 */
class BlobCacheUnderPressureTest {
    static final int BLOBS = 384;
    static final int PASSES = 3;

    @org.junit.jupiter.api.io.TempDir
    Path reportDir;

    @Test
    @Timeout(value = 8, unit = java.util.concurrent.TimeUnit.MINUTES)
    void theAgentKeepsTheServiceAliveWhereThePlainJdkIsKilled() throws Exception {
        ServiceRun.Settings s = ServiceTests.settings("test.jreclaim.samplesConfig", 256L << 20, Duration.ofMinutes(3));
        ServiceRun.Service service = ServiceDemo.service(1 << 20);
        ServiceRun.Load load = ServiceDemo.load(BLOBS, 1 << 20, PASSES, s.timeout());

        ServiceOutcome agent = ServiceRun.run(s, service, load, true, line -> System.out.println("[agent run] " + line));
        System.out.println(agent.describe());
        assertTrue(agent.agentLines().stream().anyMatch(l -> l.contains("agent started")), "agent lines: " + agent.agentLines());
        assertFalse(agent.oomKilled(), agent.describe());
        assertEquals(new HttpLoad.Result((long) BLOBS * PASSES, 0, 0, agent.load().millis()), agent.load(), agent.describe());
        assertTrue(agent.peakWithinLimit(), agent.describe());
        // It survived because the kernel took marked pages and the agent rebuilt them, not by luck.
        assertTrue(agent.pagesRebuilt() > 0, "no page was purged and rebuilt: " + agent.exitSummary());

        ServiceOutcome plain = ServiceRun.run(s, service, load, false, line -> System.out.println("[plain run] " + line));
        System.out.println(plain.describe());
        assertTrue(plain.oomKilled(), "the control run was not OOM-killed, so the test proves nothing: its cache of "
                + BLOBS + " MiB did not reach the " + (s.limitBytes() >> 20) + " MiB limit? " + plain.describe());

        // The demo's chart and data: they exist, the chart is an SVG with both runs, the data file's
        // figures are the ones printed, and its samples are the memory the cgroup reported.
        Path dir = reportDir;
        DemoReport.Written w = DemoReport.write(dir, "service-demo", "Blob-cache service", agent, plain);
        String svg = Files.readString(w.chart());
        assertTrue(svg.startsWith("<svg") && svg.contains("with the agent") && svg.contains("plain JDK: OOM-killed")
                && svg.contains("<path"), "chart " + w.chart());
        javax.xml.parsers.DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(w.chart().toFile());
        var summary = DemoReport.readSummary(w.data());
        assertEquals(DemoReport.figures(agent), summary.get("agent"), "data file vs printed figures");
        assertEquals(DemoReport.figures(plain), summary.get("plain"), "data file vs printed figures");
        var usage = DemoReport.readSamples(w.data(), "agent", "cgroup usage");
        assertTrue(usage.size() > 10, "samples of the agent run: " + usage.size());
        assertTrue(usage.stream().allMatch(p -> p[1] <= (s.limitBytes() >> 20) + 1), "usage above the limit?");
        // The agent's own figures, sampled through its stat command: the kernel purged its ranges.
        var purged = DemoReport.readSamples(w.data(), "agent", "purged");
        assertTrue(purged.stream().anyMatch(p -> p[1] > 0), "the agent's stat never showed purged bytes: " + purged.size()
                + " samples");
        assertTrue(DemoReport.readSamples(w.data(), "plain", "purged").isEmpty(), "no agent figures without the agent");
    }
}
