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
 * command (JMX through the attach API), one sample per interval, parsed by the names in its header
 * ({@code vol-MiB res-MiB purged-MiB faults/s}, and {@code snap-MiB} where the agent has it).
 */
public final class AgentTimeline {
    private final Series volatileMiB = new Series("volatile", "#9467bd");
    private final Series residentMiB = new Series("resident", "#ff7f0e");
    private final Series purgedMiB = new Series("purged", "#8c564b");
    private final Series faultsPerSecond = new Series("faults/s", "#e377c2");
    private final Series snapshotMiB = new Series("snapshots", "#17becf");
    private final Process stat;
    private final Thread reader;

    private AgentTimeline(Process stat, long t0) {
        this.stat = stat;
        this.reader = stat == null ? null : Thread.ofPlatform().daemon().name("agent-timeline").start(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(stat.getInputStream(), StandardCharsets.UTF_8))) {
                List<String> columns = List.of();
                String line;
                while ((line = r.readLine()) != null) {
                    List<String> f = List.of(line.trim().split("\\s+"));
                    if (f.getFirst().equals("ranges")) {
                        columns = f; // the header names the columns (an agent may add some)
                        continue;
                    }
                    if (f.size() != columns.size() || !f.getFirst().matches("\\d+")) {
                        continue; // an error line
                    }
                    double t = (System.nanoTime() - t0) / 1e9;
                    sample(columns, f, "vol-MiB", volatileMiB, t);
                    sample(columns, f, "res-MiB", residentMiB, t);
                    sample(columns, f, "purged-MiB", purgedMiB, t);
                    sample(columns, f, "snap-MiB", snapshotMiB, t);
                    sample(columns, f, "faults/s", faultsPerSecond, t);
                }
            } catch (IOException | NumberFormatException e) {
                // stat ended (the service went away): the samples so far stand
            }
        });
    }

    private static void sample(List<String> columns, List<String> values, String column, Series into, double t) {
        int i = columns.indexOf(column);
        if (i >= 0 && !values.get(i).equals("-")) {
            into.add(t, Double.parseDouble(values.get(i)));
        }
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
        return List.of(volatileMiB, residentMiB, purgedMiB, snapshotMiB);
    }

    /** The most snapshot memory at one sample, MiB; -1 when the agent's stat has no such column or no sample. */
    public double maxSnapshotMiB() {
        return snapshotMiB.points().isEmpty() ? -1 : snapshotMiB.maxValue();
    }

    public Series faultsPerSecond() {
        return faultsPerSecond;
    }

    /** The most the agent's ranges had purged at one sample, MiB (0 without samples). */
    public double maxPurgedMiB() {
        return purgedMiB.maxValue();
    }
}
