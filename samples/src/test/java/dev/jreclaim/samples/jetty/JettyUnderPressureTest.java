package dev.jreclaim.samples.jetty;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jreclaim.samples.filecache.FileCacheDemo;
import dev.jreclaim.samples.service.AgentExitLine;
import dev.jreclaim.samples.service.ServedFiles;
import dev.jreclaim.samples.service.ServiceComparison;
import dev.jreclaim.samples.service.ServiceRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: Jetty 12.1, unmodified ({@link JettyFileServer}), its ResourceHandler content cache holding
 * 176 MiB of files (48 incompressible of 3 MiB, 16 text of 2 MiB) in direct buffers, in a 128 MiB memory
 * cgroup; real HTTP requests on loopback, every file 3 times, every response's SHA-256 against the file. With
 * the agent and samples/jetty-jreclaim.properties: all right, not OOM-killed, pages purged and read back from
 * their files (Jetty writes the cached buffers with writev: the kernel faults on them). On the plain JDK in
 * the same cgroup: OOM-killed; on the plain JDK with room for the cache: all right (the baseline the figures
 * in docs/recipes/jetty-12.md are measured against).
 */
class JettyUnderPressureTest {
    static final long LIMIT_BYTES = 128L << 20;
    static final int ROUNDS = 3;

    @TempDir
    Path dir;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void jettysContentCacheFitsACgroupSmallerThanItself() throws Exception {
        var noCgroup = ServiceRun.cgroupUnavailable();
        assumeTrue(noCgroup.isEmpty(), () -> noCgroup.orElse(""));
        Path jar = Path.of(System.getProperty("test.jreclaim.jar"));
        assertTrue(Files.isReadable(jar), "agent jar not built: " + jar);
        ServiceRun.Settings s = new ServiceRun.Settings(Path.of(System.getProperty("java.home"), "bin", "java"), jar,
                Path.of(System.getProperty("test.jreclaim.jettyConfig")), System.getProperty("java.class.path"),
                LIMIT_BYTES, Duration.ofSeconds(60));
        ServedFiles files = ServedFiles.in(dir.resolve("www")).add(ServedFiles.Kind.INCOMPRESSIBLE, 48, 3L << 20)
                .add(ServedFiles.Kind.TEXT, 16, 2L << 20);
        assertTrue(files.totalBytes() > s.limitBytes(), "cache " + files.totalBytes());
        long requests = (long) files.count() * ROUNDS;
        ServiceRun.Service jetty = new ServiceRun.Service(JettyFileServer.class.getName(),
                List.of(files.dir().toString(), Long.toString(1L << 30)),
                // Jetty's own SLF4J provider (INFO), not the Logback the test classpath also holds (DEBUG by default).
                List.of("-Dslf4j.provider=org.eclipse.jetty.logging.JettyLoggingServiceProvider"));

        ServiceComparison c = ServiceComparison.run(s, jetty, FileCacheDemo.load(files, "/", ROUNDS, s.timeout()),
                files.totalBytes() + (256L << 20), System.out::println);
        System.out.print(c.figures(requests));

        AgentExitLine x = c.agent().exitFigures();
        var roomy = c.roomy().orElseThrow();
        assertAll(
                () -> assertTrue(c.agent().agentLines().stream().anyMatch(l -> l.contains("agent started")),
                        "agent lines: " + c.agent().agentLines()),
                () -> assertFalse(c.agent().oomKilled(), c.agent().describe()),
                () -> assertEquals(requests, c.agent().load().served(), c.agent().describe()),
                () -> assertEquals(0, c.agent().load().wrong(), "responses whose SHA-256 differs from the file's: " + c.agent().describe()),
                () -> assertEquals(0, c.agent().load().errors(), c.agent().describe()),
                () -> assertTrue(c.agent().peakBytes() <= s.limitBytes(), c.agent().describe()),
                () -> assertTrue(x.pagesRebuilt() > 0, "no page was purged and rebuilt: " + x.line()),
                () -> assertEquals(0, x.rebuildFailures(), "rebuild failures: " + x.line()),
                () -> assertTrue(c.plain().oomKilled(), "the plain run in the same cgroup was not OOM-killed, so the test"
                        + " proves nothing: " + c.plain().describe()),
                () -> assertTrue(roomy.servedAllRight(requests) && !roomy.oomKilled(), "the plain run with room for the"
                        + " cache: " + roomy.describe()));
    }
}
