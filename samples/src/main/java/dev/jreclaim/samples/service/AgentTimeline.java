package dev.jreclaim.samples.service;

import dev.jreclaim.samples.chart.Series;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The agent's own figures over a run, read the way an operator would: the agent jar's {@code stat <pid>}
 * command (JMX through the attach API), one sample per interval, parsed from its columns
 * {@code ranges alloc-MiB vol-MiB res-MiB purged-MiB faults/s rebuilt/s p99-us}.
 */
public final class AgentTimeline {
    private final Series volatileMiB = new Series("volatile", "#9467bd");
    private final Series residentMiB = new Series("resident", "#ff7f0e");
    private final Series purgedMiB = new Series("purged", "#8c564b");
    private final Series faultsPerSecond = new Series("faults/s", "#e377c2");
    private final Process stat;
    private final Thread reader;

    private AgentTimeline(Process stat, long t0) {
        this.stat = stat;
        this.reader = stat == null ? null : Thread.ofPlatform().daemon().name("agent-timeline").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stat.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length != 8 || !f[0].matches("\\d+")) {
                        continue; // the header, or an error line
                    }
                    double t = (System.nanoTime() - t0) / 1e9;
                    volatileMiB.add(t, Double.parseDouble(f[2]));
                    residentMiB.add(t, Double.parseDouble(f[3]));
                    purgedMiB.add(t, Double.parseDouble(f[4]));
                    if (!f[5].equals("-")) {
                        faultsPerSecond.add(t, Double.parseDouble(f[5]));
                    }
                }
            } catch (IOException | NumberFormatException e) {
                // stat ended (the service went away): the samples so far stand
            }
        });
    }

    /** No agent in the run: empty series. */
    static AgentTimeline none() {
        return new AgentTimeline(null, 0);
    }

    /** Starts {@code java -jar agentJar stat pid interval} against the service. */
    static AgentTimeline start(Path java, Path agentJar, long pid, long t0, Duration every) throws IOException {
        Process p = new ProcessBuilder(java.toString(), "-jar", agentJar.toString(), "stat", Long.toString(pid),
                Long.toString(every.toMillis())).redirectErrorStream(true).start();
        return new AgentTimeline(p, t0);
    }

    void stop() throws InterruptedException {
        if (stat != null) {
            stat.toHandle().destroy();
            stat.waitFor();
            reader.join(Duration.ofSeconds(5));
        }
    }

    public List<Series> memory() {
        return List.of(volatileMiB, residentMiB, purgedMiB);
    }

    public Series faultsPerSecond() {
        return faultsPerSecond;
    }

    /** The most the agent's ranges had purged at one sample, MiB (0 without samples). */
    public double maxPurgedMiB() {
        return purgedMiB.maxValue();
    }
}
