package dev.jreclaim.samples.filecache;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jreclaim.samples.service.AgentExitLine;
import dev.jreclaim.samples.service.ServedFiles;
import dev.jreclaim.samples.service.ServiceComparison;
import dev.jreclaim.samples.service.ServiceRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end, the README's file demo: the unmodified static-file service caching 512 MiB of incompressible
 * files in direct buffers, in a 128 MiB memory cgroup, every file requested 3 times and every response's
 * SHA-256 checked against the file. With the agent and samples/filecache-jreclaim.properties (rebuild:file):
 * every response right, not OOM-killed, pages purged and read back from their files, no snapshot memory.
 * The same service and load on the plain JDK: OOM-killed.
 */
class FileCacheUnderPressureTest {
    @TempDir
    Path dir;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void filePagesAreReadBackFromTheirFilesWithoutSnapshotsWhereThePlainJdkIsKilled() throws Exception {
        var noCgroup = ServiceRun.cgroupUnavailable();
        assumeTrue(noCgroup.isEmpty(), () -> noCgroup.orElse(""));
        Path jar = Path.of(System.getProperty("test.jreclaim.jar"));
        assertTrue(Files.isReadable(jar), "agent jar not built: " + jar);
        ServiceRun.Settings s = new ServiceRun.Settings(Path.of(System.getProperty("java.home"), "bin", "java"), jar,
                Path.of(System.getProperty("test.jreclaim.filecacheConfig")), System.getProperty("java.class.path"),
                FileCacheDemo.LIMIT_BYTES, Duration.ofSeconds(60));
        ServedFiles files = ServedFiles.in(dir.resolve("www"))
                .add(ServedFiles.Kind.INCOMPRESSIBLE, FileCacheDemo.FILES, FileCacheDemo.FILE_BYTES);
        assertTrue(files.totalBytes() >= 4 * s.limitBytes(), "working set " + files.totalBytes());
        long requests = (long) files.count() * FileCacheDemo.ROUNDS;

        ServiceComparison c = ServiceComparison.run(s, FileCacheDemo.service(files.dir()),
                FileCacheDemo.load(files, "/files/", FileCacheDemo.ROUNDS, s.timeout()), 0, System.out::println);
        System.out.print(c.figures(requests));

        AgentExitLine x = c.agent().exitFigures();
        assertAll(
                () -> assertTrue(c.agent().agentLines().stream().anyMatch(l -> l.contains("agent started")),
                        "agent lines: " + c.agent().agentLines()),
                () -> assertFalse(c.agent().oomKilled(), c.agent().describe()),
                () -> assertEquals(requests, c.agent().load().served(), c.agent().describe()),
                () -> assertEquals(0, c.agent().load().wrong(), "responses whose SHA-256 differs from the file's: " + c.agent().describe()),
                () -> assertEquals(0, c.agent().load().errors(), c.agent().describe()),
                () -> assertTrue(c.agent().peakBytes() <= s.limitBytes(), c.agent().describe()),
                // It survived because the kernel took marked pages and the agent read them back, not by luck.
                () -> assertTrue(x.pagesRebuilt() > 0, "no page was purged and rebuilt: " + x.line()),
                () -> assertEquals(0, x.snapshotPages(), "pages rebuilt from snapshots: " + x.line()),
                () -> assertTrue(x.snapshotBytes() >= 0, "the agent's exit line gives no snapshot memory: " + x.line()),
                () -> assertEquals(0, x.snapshotBytes(), "snapshot memory for incompressible file content: " + x.line()),
                () -> assertEquals(0.0, c.agent().agentTimeline().maxSnapshotMiB(), "snapshot MiB in the agent's stat"
                        + " (-1: no snap-MiB column or no sample)"),
                () -> assertTrue(c.plain().oomKilled(), "the control run was not OOM-killed, so the test proves nothing: "
                        + c.plain().describe()));
    }
}
