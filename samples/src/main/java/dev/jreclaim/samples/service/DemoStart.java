package dev.jreclaim.samples.service;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** What every demo checks before it starts: {@code <agent.jar> <config.properties> <classpath>} readable, a memory cgroup possible. */
public final class DemoStart {
    private DemoStart() {}

    /** The settings from the demo's arguments, or a line naming what is missing and exit 2. */
    public static ServiceRun.Settings settings(String demo, String[] args, long limitBytes, Duration timeout) {
        if (args.length < 3) {
            System.out.println(demo + ": usage: <agent.jar> <config.properties> <classpath> ...");
            System.exit(2);
        }
        ServiceRun.Settings s = new ServiceRun.Settings(Path.of(System.getProperty("java.home"), "bin", "java"),
                Path.of(args[0]).toAbsolutePath(), Path.of(args[1]).toAbsolutePath(), args[2], limitBytes, timeout);
        if (!Files.isReadable(s.agentJar()) || !Files.isReadable(s.configFile())) {
            System.out.println(demo + ": build first (./build.sh package): " + s.agentJar() + ", " + s.configFile());
            System.exit(2);
        }
        Optional<String> noCgroup = ServiceRun.cgroupUnavailable();
        if (noCgroup.isPresent()) {
            System.out.println(demo + ": " + noCgroup.get());
            System.exit(2);
        }
        return s;
    }
}
