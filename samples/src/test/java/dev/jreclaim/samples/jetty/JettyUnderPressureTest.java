package dev.jreclaim.samples.jetty;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.samples.filecache.FileCacheDemo;
import dev.jreclaim.samples.service.ServedFiles;
import dev.jreclaim.samples.service.ServiceComparison;
import dev.jreclaim.samples.service.ServiceRun;
import dev.jreclaim.samples.service.ServiceTests;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.function.Executable;
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
        ServiceRun.Settings s = ServiceTests.settings("test.jreclaim.jettyConfig", LIMIT_BYTES, Duration.ofSeconds(60));
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

        var roomy = c.roomy().orElseThrow();
        List<Executable> checks = new ArrayList<>(ServiceTests.agentRunServedAllRight(c.agent(), requests));
        checks.addAll(List.of(
                () -> assertTrue(c.plain().oomKilled(), "the plain run in the same cgroup was not OOM-killed, so the test"
                        + " proves nothing: " + c.plain().describe()),
                () -> assertTrue(roomy.servedAllRight(requests) && !roomy.oomKilled(), "the plain run with room for the"
                        + " cache: " + roomy.describe())));
        assertAll(checks);
    }
}
