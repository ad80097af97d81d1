package dev.jreclaim.samples.blobcache;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The README's demo: the blob-cache service, which knows nothing of jreclaim, in a 256 MiB memory
 * cgroup with a 384 MiB cache, under the same load twice: with {@code -javaagent} and
 * samples/blobcache-jreclaim.properties, then on the plain JDK. Prints both outcomes.
 *
 * <p>{@code java ... ServiceDemo <agent.jar> <config.properties> <classpath>}; exit 0 when the agent
 * run served every request correctly without an OOM kill and the plain run was OOM-killed.
 */
public final class ServiceDemo {
    private ServiceDemo() {}

    public static void main(String[] args) throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ServiceRun.Settings s = new ServiceRun.Settings(java, Path.of(args[0]).toAbsolutePath(),
                Path.of(args[1]).toAbsolutePath(), args[2], 256L << 20, 384, 1 << 20, 3, 4, Duration.ofMinutes(3));
        if (!Files.isReadable(s.agentJar()) || !Files.isReadable(s.configFile())) {
            System.out.println("service demo: build first (./build.sh package): " + s.agentJar() + ", " + s.configFile());
            System.exit(2);
        }
        try (MemoryCgroup probe = MemoryCgroup.createChild("jreclaim-demo-probe-" + ProcessHandle.current().pid(), 1 << 30)) {
            // can make cgroups
        } catch (IOException e) {
            System.out.println("service demo: cannot make a memory cgroup: " + e.getMessage());
            System.exit(2);
        }
        System.out.printf("service demo: blob cache of %d x %d MiB in a %d MiB memory cgroup, %d passes over the cache%n%n",
                s.blobs(), s.blobBytes() >> 20, s.limitBytes() >> 20, s.passes());
        ServiceOutcome agent = ServiceRun.run(s, true, line -> System.out.println("  | " + line));
        System.out.println("  => " + agent.describe() + "\n");
        ServiceOutcome plain = ServiceRun.run(s, false, line -> System.out.println("  | " + line));
        System.out.println("  => " + plain.describe() + "\n");
        DemoReport.Written w = DemoReport.write(Path.of("samples", "target", "demo"), agent, plain);
        System.out.println("service demo: chart " + w.chart().toAbsolutePath() + " (data: " + w.data().toAbsolutePath() + ")");
        boolean ok = agent.load().served() == (long) s.blobs() * s.passes() && agent.load().wrong() == 0
                && agent.load().errors() == 0 && !agent.oomKilled() && plain.oomKilled();
        System.out.println("service demo: " + (ok ? "OK: with the agent every response was right and nothing was killed;"
                + " without it the service was OOM-killed" : "NOT AS EXPECTED (see above)"));
        System.exit(ok ? 0 : 1);
    }
}
