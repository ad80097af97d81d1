package dev.jreclaim.samples.filecache;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.samples.service.AgentExitLine;
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
        ServiceRun.Settings s = ServiceTests.settings("test.jreclaim.filecacheConfig", FileCacheDemo.LIMIT_BYTES,
                Duration.ofSeconds(45)); // the plain JDK with room for the cache serves this load in ~11 s here

        ServedFiles files = ServedFiles.in(dir.resolve("www"))
                .add(ServedFiles.Kind.INCOMPRESSIBLE, FileCacheDemo.FILES, FileCacheDemo.FILE_BYTES);
        assertTrue(files.totalBytes() >= 4 * s.limitBytes(), "working set " + files.totalBytes());
        long requests = (long) files.count() * FileCacheDemo.ROUNDS;

        ServiceComparison c = ServiceComparison.run(s, FileCacheDemo.service(files.dir()),
                FileCacheDemo.load(files, "/files/", FileCacheDemo.ROUNDS, s.timeout()), 0, System.out::println);
        System.out.print(c.figures(requests));

        AgentExitLine x = c.agent().exitFigures();
        List<Executable> checks = new ArrayList<>(ServiceTests.agentRunServedAllRight(c.agent(), requests));
        checks.addAll(List.of(
                () -> assertEquals(0, x.snapshotPages(), "pages rebuilt from snapshots: " + x.line()),
                () -> assertTrue(x.snapshotBytes() >= 0, "the agent's exit line gives no snapshot memory: " + x.line()),
                () -> assertEquals(0, x.snapshotBytes(), "snapshot memory for incompressible file content: " + x.line()),
                () -> assertEquals(0.0, c.agent().agentTimeline().maxSnapshotMiB(), "snapshot MiB in the agent's stat"
                        + " (-1: no snap-MiB column or no sample)"),
                () -> assertTrue(c.plain().oomKilled(), "the control run was not OOM-killed, so the test proves nothing: "
                        + c.plain().describe())));
        assertAll(checks);
    }
}
