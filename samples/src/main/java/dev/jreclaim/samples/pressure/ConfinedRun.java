package dev.jreclaim.samples.pressure;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import dev.jreclaim.agent.range.RangeRegistry;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Runs one {@link WorkingSet} child JVM in a memory cgroup made for it alone (so that the cgroup's peak,
 * limit hits and OOM kills are that child's), with a deadline, and removes the cgroup afterwards.
 */
public final class ConfinedRun {
    private static final long MIB = 1 << 20;

    /**
     * @param limitBytes the cgroup's memory limit
     * @param totalMiB   working set size
     * @param bufferMiB  size of each buffer
     * @param passes     read-backs
     * @param timeout    the child is killed, and the run reported as timed out, after this
     */
    public record Settings(long limitBytes, long totalMiB, long bufferMiB, int passes, Duration timeout) {
        /** 1 GiB in 64 buffers of 16 MiB, read back three times, in 256 MiB. */
        public static Settings standard(Duration timeout) {
            return new Settings(256 * MIB, 1024, 16, 3, timeout);
        }
    }

    private ConfinedRun() {}

    /** Why no memory cgroup can be made here, or empty when one can (it makes and removes one to find out). */
    public static Optional<String> unavailableReason(long limitBytes) {
        try {
            MemoryCgroup.createChild("jreclaim-probe-" + ProcessHandle.current().pid(), limitBytes).close();
            return Optional.empty();
        } catch (IOException | UncheckedIOException e) {
            return Optional.of(e.getMessage());
        }
    }

    /** Runs {@code mode} under {@code settings}; every line the child prints also goes to {@code echo}. */
    public static RunOutcome run(WorkingSetMode mode, Settings settings, Consumer<String> echo)
            throws IOException, InterruptedException {
        String name = "jreclaim-pressure-" + ProcessHandle.current().pid() + "-" + mode.cliName();
        try (MemoryCgroup cg = MemoryCgroup.createChild(name, settings.limitBytes())) {
            List<String> output = new ArrayList<>();
            long t0 = System.nanoTime();
            Process p = new ProcessBuilder(cg.wrap(childCommand(mode, settings))).redirectErrorStream(true).start();
            Thread reader = Thread.ofPlatform().daemon().name("child-output-" + mode.cliName()).start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        synchronized (output) {
                            output.add(line);
                        }
                        echo.accept(line);
                    }
                } catch (IOException ignored) {
                    // the pipe broke because the child died: what it printed so far is kept
                }
            });
            boolean timedOut;
            try {
                timedOut = !p.waitFor(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                killAndReap(p); // on the deadline, and when this thread is interrupted (a test timeout)
            }
            long wallMillis = (System.nanoTime() - t0) / 1_000_000;
            reader.join(Duration.ofSeconds(5)); // the pipe closes with the child; this only drains it
            List<String> lines;
            synchronized (output) {
                lines = List.copyOf(output);
            }
            Optional<WorkingSetReport> report = lines.stream().map(WorkingSetReport::parse).flatMap(Optional::stream)
                    .findFirst();
            return new RunOutcome(mode, timedOut ? -1 : p.exitValue(), timedOut, wallMillis, cg.peakBytes(),
                    cg.limitHits(), cg.oomKills(), report, lines);
        }
    }

    /** Kills the child if it still runs and waits, uninterruptibly but at most 10 s, until it is gone. */
    private static void killAndReap(Process p) {
        if (!p.isAlive()) {
            return;
        }
        p.destroyForcibly();
        if (p.onExit().completeOnTimeout(p, 10, TimeUnit.SECONDS).join().isAlive()) {
            throw new IllegalStateException("child " + p.pid() + " survived SIGKILL for 10 s");
        }
    }

    /** The child JVM: this JVM's java, a small heap, and direct memory enough for the plain working set. */
    static List<String> childCommand(WorkingSetMode mode, Settings s) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("--enable-native-access=ALL-UNNAMED");
        // The JVM itself lives in the cgroup too: keep its heap and its collector small.
        cmd.add("-Xmx64m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:MaxDirectMemorySize=" + (s.totalMiB() + 64) + "m");
        cmd.add("-cp");
        cmd.add(classPath());
        cmd.add(WorkingSet.class.getName());
        cmd.add(mode.cliName());
        cmd.add(Long.toString(s.totalMiB()));
        cmd.add(Long.toString(s.bufferMiB()));
        cmd.add(Integer.toString(s.passes()));
        return cmd;
    }

    /** Where the samples and the agent were loaded from: their jars, or target/classes under Maven. */
    private static String classPath() {
        Set<String> entries = new LinkedHashSet<>();
        for (Class<?> c : List.of(WorkingSet.class, RangeRegistry.class)) {
            try {
                entries.add(Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString());
            } catch (URISyntaxException e) {
                throw new IllegalStateException("cannot locate the classes of " + c.getName(), e);
            }
        }
        return String.join(File.pathSeparator, entries);
    }
}
