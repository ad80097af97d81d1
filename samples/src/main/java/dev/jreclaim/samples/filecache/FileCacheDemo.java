package dev.jreclaim.samples.filecache;

import dev.jreclaim.samples.service.DemoReport;
import dev.jreclaim.samples.service.DemoStart;
import dev.jreclaim.samples.service.ServedFiles;
import dev.jreclaim.samples.service.ServiceComparison;
import dev.jreclaim.samples.service.ServiceRun;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The static-file demo: {@link FileCacheServer}, which knows nothing of jreclaim, serving 128 incompressible
 * files of 4 MiB (512 MiB, 4x its 128 MiB memory cgroup) from direct buffers, each file requested 3 times
 * and every response's SHA-256 checked against the file: with {@code -javaagent} and
 * samples/filecache-jreclaim.properties (purged pages are read back from their file, no snapshot kept), on the
 * plain JDK in the same cgroup, and on the plain JDK in a cgroup with room for the whole cache (requests/s).
 *
 * <p>{@code java ... FileCacheDemo <agent.jar> <config.properties> <classpath> [files-dir]}; exit 0 when the
 * agent run served every request right, was not OOM-killed and kept no snapshot memory, and the plain run in
 * the same cgroup was OOM-killed.
 */
public final class FileCacheDemo {
    public static final int FILES = 128;
    public static final long FILE_BYTES = 4L << 20;
    public static final long LIMIT_BYTES = 128L << 20;
    public static final int ROUNDS = 3;

    private FileCacheDemo() {}

    public static ServiceRun.Service service(Path dir) {
        return new ServiceRun.Service(FileCacheServer.class.getName(), List.of(dir.toAbsolutePath().toString()));
    }

    /** Every file {@code rounds} times, in turn, from 4 threads, each body's SHA-256 checked. */
    public static ServiceRun.Load load(ServedFiles files, String prefix, int rounds, Duration limit) {
        return port -> dev.jreclaim.samples.service.HttpLoad.run(port, files.paths(prefix), files.check(),
                (long) files.count() * rounds, 4, limit);
    }

    public static void main(String[] args) throws Exception {
        ServiceRun.Settings s = DemoStart.settings("file demo", args, LIMIT_BYTES, Duration.ofMinutes(2));
        Path dir = Path.of(args.length > 3 ? args[3] : "samples/target/demo-files/www");
        ServedFiles files = ServedFiles.in(dir).add(ServedFiles.Kind.INCOMPRESSIBLE, FILES, FILE_BYTES);
        long requests = (long) files.count() * ROUNDS;
        System.out.printf("file demo: %d incompressible files of %d MiB (%d MiB) served from direct buffers in a %d MiB"
                + " memory cgroup, %d rounds%n%n", FILES, FILE_BYTES >> 20, files.totalBytes() >> 20, LIMIT_BYTES >> 20, ROUNDS);
        ServiceComparison c = ServiceComparison.run(s, service(dir), load(files, "/files/", ROUNDS, s.timeout()),
                files.totalBytes() + (256L << 20), line -> System.out.println("  | " + line));
        System.out.println();
        System.out.print(c.figures(requests));
        DemoReport.Written w = DemoReport.write(Path.of("samples", "target", "demo-files"), "file-demo",
                "Static-file service", c.agent(), c.plain());
        System.out.println("file demo: chart " + w.chart().toAbsolutePath() + " (data: " + w.data().toAbsolutePath() + ")");
        boolean ok = c.agent().servedAllRight(requests) && !c.agent().oomKilled()
                && c.agent().exitFigures().snapshotBytes() == 0 && c.plain().oomKilled();
        System.out.println("file demo: " + (ok ? "OK: with the agent every response was right, nothing was killed and no"
                + " snapshot was kept; without it the service was OOM-killed" : "NOT AS EXPECTED (see above)"));
        System.exit(ok ? 0 : 1);
    }
}
