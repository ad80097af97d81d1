package dev.jreclaim.samples.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.function.Executable;

/** What the end-to-end service tests share: their settings, and what every agent run must show. */
public final class ServiceTests {
    private ServiceTests() {}

    /**
     * Skips (naming why) without a writable memory cgroup; else the settings for the agent jar the reactor
     * built, the properties file named by system property {@code configProperty}, this JVM's class path.
     */
    public static ServiceRun.Settings settings(String configProperty, long limitBytes, Duration timeout) {
        var noCgroup = ServiceRun.cgroupUnavailable();
        assumeTrue(noCgroup.isEmpty(), () -> noCgroup.orElse(""));
        Path jar = Path.of(System.getProperty("test.jreclaim.jar"));
        assertTrue(Files.isReadable(jar), "agent jar not built: " + jar);
        return new ServiceRun.Settings(Path.of(System.getProperty("java.home"), "bin", "java"), jar,
                Path.of(System.getProperty(configProperty)), System.getProperty("java.class.path"), limitBytes, timeout);
    }

    /**
     * The agent started; the service was not OOM-killed, stayed within its cgroup and served every one of
     * {@code requests} right; and it did so because the kernel took marked pages and the agent rebuilt them.
     */
    public static List<Executable> agentRunServedAllRight(ServiceOutcome o, long requests) {
        AgentExitLine x = o.exitFigures();
        return List.of(
                () -> assertTrue(o.agentLines().stream().anyMatch(l -> l.contains("agent started")), "agent lines: " + o.agentLines()),
                () -> assertFalse(o.oomKilled(), o.describe()),
                () -> assertEquals(requests, o.load().served(), o.describe()),
                () -> assertEquals(0, o.load().wrong(), "responses whose bytes differ from the content's: " + o.describe()),
                () -> assertEquals(0, o.load().errors(), o.describe()),
                () -> assertTrue(o.peakWithinLimit(), o.describe()),
                () -> assertTrue(x.pagesRebuilt() > 0, "no page was purged and rebuilt: " + x.line()),
                () -> assertEquals(0, x.rebuildFailures(), "rebuild failures: " + x.line()));
    }
}
