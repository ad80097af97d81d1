package dev.jreclaim.samples.service;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs a service (a main class that prints {@code listening on <port>} when ready) as a child JVM inside
 * a memory cgroup of its own, with or without the agent, drives load at it from this JVM over loopback,
 * then stops it and reads the cgroup's figures. Every wait is bounded.
 */
public final class ServiceRun {
    /** Where the child's java, the agent jar, its configuration and the service's classes are; the cgroup's limit; the bound on every wait. */
    public record Settings(Path java, Path agentJar, Path configFile, String classPath, long limitBytes, Duration timeout) {
        public Settings withLimit(long bytes) {
            return new Settings(java, agentJar, configFile, classPath, bytes, timeout);
        }
    }

    /** The service: its main class and arguments, and JVM options of its own. */
    public record Service(String mainClass, List<String> args, List<String> jvmOptions) {
        public Service(String mainClass, List<String> args) {
            this(mainClass, args, List.of());
        }
    }

    /** The checked load driven at the service once it listens on {@code port}. */
    @FunctionalInterface
    public interface Load {
        HttpLoad.Result run(int port) throws InterruptedException;
    }

    private ServiceRun() {}

    /** Why this process cannot make a memory cgroup (not root, no delegated v2 subtree), or empty when it can. */
    public static java.util.Optional<String> cgroupUnavailable() {
        try (MemoryCgroup probe = MemoryCgroup.createChild("jreclaim-probe-" + ProcessHandle.current().pid(), 1 << 30)) {
            return java.util.Optional.empty();
        } catch (IOException e) {
            return java.util.Optional.of("needs a writable memory cgroup (root, or a delegated cgroup v2 subtree): "
                    + e.getMessage());
        }
    }

    public static ServiceOutcome run(Settings s, Service service, Load load, boolean withAgent, Consumer<String> echo)
            throws IOException, InterruptedException {
        String name = "jreclaim-service-" + ProcessHandle.current().pid() + "-" + (withAgent ? "agent" : "plain") + "-"
                + (s.limitBytes() >> 20);
        try (MemoryCgroup cg = MemoryCgroup.createChild(name, s.limitBytes())) {
            List<String> cmd = new ArrayList<>(List.of(s.java().toString(), "-Xmx64m", "-XX:+UseSerialGC",
                    "-XX:MaxDirectMemorySize=2g", "--enable-native-access=ALL-UNNAMED"));
            if (withAgent) {
                cmd.add("-javaagent:" + s.agentJar() + "=config=" + s.configFile());
            }
            cmd.addAll(service.jvmOptions());
            cmd.addAll(List.of("-cp", s.classPath(), service.mainClass()));
            cmd.addAll(service.args());
            Process p = new ProcessBuilder(cg.wrap(cmd)).redirectErrorStream(true).start();
            long t0 = System.nanoTime();
            MemoryTimeline timeline = MemoryTimeline.start(cg, p, t0, Duration.ofMillis(100));
            AgentTimeline agentTimeline = AgentTimeline.none();
            List<String> agentLines = new ArrayList<>();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        echo.accept(line);
                        if (line.startsWith("jreclaim:")) {
                            synchronized (agentLines) {
                                agentLines.add(line);
                            }
                        }
                        if (line.startsWith("listening on ")) {
                            port.complete(Integer.parseInt(line.substring("listening on ".length()).trim()));
                        }
                    }
                } catch (IOException e) {
                    // the child is gone; its exit code tells why
                }
                port.complete(-1);
            });
            HttpLoad.Result result;
            try {
                int listening = port.get(s.timeout().toSeconds(), TimeUnit.SECONDS);
                if (withAgent && listening >= 0) {
                    agentTimeline = AgentTimeline.start(s.java(), s.agentJar(), p.pid(), t0, Duration.ofMillis(250));
                }
                result = listening < 0 ? HttpLoad.Result.failedToStart() : load.run(listening);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                result = HttpLoad.Result.failedToStart();
            } finally {
                // SIGTERM through the handle: Process.destroy() would also close our end of the child's
                // output, and lose what it prints while it shuts down (the agent's exit summary).
                p.toHandle().destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    p.waitFor(30, TimeUnit.SECONDS);
                }
                reader.join(Duration.ofSeconds(10));
            }
            int exit = p.exitValue();
            // A JVM that ends on SIGTERM exits 143; 137 is SIGKILL, the OOM killer's signal.
            synchronized (agentLines) {
                timeline.stop();
                agentTimeline.stop();
                return new ServiceOutcome(withAgent, result, exit, cg.oomKills(), cg.peakBytes(), s.limitBytes(),
                        List.copyOf(agentLines), timeline, agentTimeline);
            }
        }
    }
}
