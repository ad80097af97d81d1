package dev.jreclaim.samples.blobcache;

import dev.jreclaim.samples.service.DemoReport;
import dev.jreclaim.samples.service.DemoStart;
import dev.jreclaim.samples.service.ServiceComparison;
import dev.jreclaim.samples.service.ServiceRun;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The README's demo: the blob-cache service, which knows nothing of jreclaim, in a 256 MiB memory
 * cgroup with a 384 MiB cache, under the same load twice: with {@code -javaagent} and
 * samples/blobcache-jreclaim.properties, then on the plain JDK. Prints both outcomes.
 *
 * <p>{@code java ... ServiceDemo <agent.jar> <config.properties> <classpath>}; exit 0 when the agent
 * run served every request correctly without an OOM kill and the plain run was OOM-killed.
 */
public final class ServiceDemo {
    static final int BLOBS = 384;
    static final long BLOB_BYTES = 1 << 20;
    static final int PASSES = 3;

    private ServiceDemo() {}

    /** The blob-cache service and its checked load: every blob {@code passes} times, from 4 threads. */
    public static ServiceRun.Service service(long blobBytes) {
        return new ServiceRun.Service(BlobCacheServer.class.getName(), List.of("0", Long.toString(blobBytes)));
    }

    public static ServiceRun.Load load(int blobs, long blobBytes, int passes, Duration limit) {
        return port -> LoadDriver.run(port, blobs, (long) blobs * passes, 4, blobBytes, limit);
    }

    public static void main(String[] args) throws Exception {
        ServiceRun.Settings s = DemoStart.settings("service demo", args, 256L << 20, Duration.ofMinutes(3));
        System.out.printf("service demo: blob cache of %d x %d MiB in a %d MiB memory cgroup, %d passes over the cache%n%n",
                BLOBS, BLOB_BYTES >> 20, s.limitBytes() >> 20, PASSES);
        ServiceComparison c = ServiceComparison.run(s, service(BLOB_BYTES), load(BLOBS, BLOB_BYTES, PASSES, s.timeout()), 0,
                line -> System.out.println("  | " + line));
        DemoReport.Written w = DemoReport.write(Path.of("samples", "target", "demo"), "service-demo", "Blob-cache service",
                c.agent(), c.plain());
        System.out.println("service demo: chart " + w.chart().toAbsolutePath() + " (data: " + w.data().toAbsolutePath() + ")");
        boolean ok = c.agent().servedAllRight((long) BLOBS * PASSES) && !c.agent().oomKilled() && c.plain().oomKilled();
        System.out.println("service demo: " + (ok ? "OK: with the agent every response was right and nothing was killed;"
                + " without it the service was OOM-killed" : "NOT AS EXPECTED (see above)"));
        System.exit(ok ? 0 : 1);
    }
}
