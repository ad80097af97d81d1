package dev.jreclaim.samples.service;

import dev.jreclaim.samples.chart.Series;
import dev.jreclaim.samples.chart.SvgChart;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The demo's chart (SVG) and its data (CSV): the two runs side by side, and in the CSV the same
 * figures the demo prints ({@code summary} rows) followed by every sample behind the chart.
 */
public final class DemoReport {
    /** Where the chart and its data were written. */
    public record Written(Path chart, Path data) {}

    private DemoReport() {}

    /** Writes {@code <name>.svg} and {@code <name>.csv} into {@code dir}; {@code service} names the service in the title. */
    public static Written write(Path dir, String name, String service, ServiceOutcome agent, ServiceOutcome plain)
            throws IOException {
        Files.createDirectories(dir);
        Path chart = dir.resolve(name + ".svg");
        Path data = dir.resolve(name + ".csv");
        List<SvgChart.Panel> memory = List.of(panel("with the agent: " + verdict(agent), agent),
                panel("plain JDK: " + verdict(plain), plain));
        List<SvgChart.Panel> agentMemory = List.of(
                new SvgChart.Panel("the agent's ranges (its stat command)", "MiB", agent.agentTimeline().memory()),
                new SvgChart.Panel("plain JDK: no agent", "MiB", plain.agentTimeline().memory()));
        List<SvgChart.Panel> faults = List.of(
                new SvgChart.Panel("faults served by the agent", "faults/s", List.of(agent.agentTimeline().faultsPerSecond())),
                new SvgChart.Panel("plain JDK: no agent", "faults/s", List.of(plain.agentTimeline().faultsPerSecond())));
        Files.writeString(chart, SvgChart.render(service + " in a " + (agent.limitBytes() >> 20)
                + " MiB memory cgroup, same load twice", List.of(memory, agentMemory, faults)));
        Files.writeString(data, csv(agent, plain));
        return new Written(chart, data);
    }

    private static String verdict(ServiceOutcome o) {
        return o.oomKilled() ? "OOM-killed" : o.load().served() + " requests served";
    }

    private static SvgChart.Panel panel(String title, ServiceOutcome o) {
        MemoryTimeline t = o.timeline();
        return new SvgChart.Panel(title, "MiB", List.of(t.usage(), t.anon(), t.lazyfree()), o.limitBytes() / (double) (1 << 20),
                "cgroup limit " + (o.limitBytes() >> 20) + " MiB");
    }

    /** The figures the demo prints for one run, by name. */
    public static Map<String, Long> figures(ServiceOutcome o) {
        Map<String, Long> f = new LinkedHashMap<>();
        f.put("served", o.load().served());
        f.put("wrong", o.load().wrong());
        f.put("errors", o.load().errors());
        f.put("oomKilled", o.oomKilled() ? 1L : 0L);
        f.put("peakMiB", o.peakBytes() >> 20);
        f.put("limitMiB", o.limitBytes() >> 20);
        AgentExitLine x = o.exitFigures();
        f.put("pagesRebuilt", x.pagesRebuilt());
        f.put("pagesRebuiltFromSnapshots", x.snapshotPages());
        f.put("snapshotBytes", x.snapshotBytes());
        f.put("maxPurgedMiB", Math.round(o.agentTimeline().maxPurgedMiB()));
        return f;
    }

    static String csv(ServiceOutcome agent, ServiceOutcome plain) {
        StringBuilder b = new StringBuilder("kind,run,name,seconds,value\n");
        for (ServiceOutcome o : List.of(agent, plain)) {
            String run = o.withAgent() ? "agent" : "plain";
            figures(o).forEach((k, v) -> b.append("summary,").append(run).append(',').append(k).append(",,").append(v).append('\n'));
        }
        for (ServiceOutcome o : List.of(agent, plain)) {
            String run = o.withAgent() ? "agent" : "plain";
            MemoryTimeline t = o.timeline();
            List<Series> all = new ArrayList<>(List.of(t.usage(), t.anon(), t.lazyfree()));
            all.addAll(o.agentTimeline().memory());
            all.add(o.agentTimeline().faultsPerSecond());
            for (Series s : all) {
                for (double[] p : s.points()) {
                    b.append(String.format(Locale.ROOT, "sample,%s,%s,%.3f,%.1f%n", run, s.name(), p[0], p[1]));
                }
            }
        }
        return b.toString();
    }

    /** The summary rows of a data file: run -> name -> value. */
    public static Map<String, Map<String, Long>> readSummary(Path data) throws IOException {
        Map<String, Map<String, Long>> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(data)) {
            String[] f = line.split(",", -1);
            if (f.length == 5 && f[0].equals("summary")) {
                out.computeIfAbsent(f[1], k -> new LinkedHashMap<>()).put(f[2], Long.parseLong(f[4]));
            }
        }
        return out;
    }

    /** The sample rows of one series of one run. */
    public static List<double[]> readSamples(Path data, String run, String series) throws IOException {
        List<double[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(data)) {
            String[] f = line.split(",", -1);
            if (f.length == 5 && f[0].equals("sample") && f[1].equals(run) && f[2].equals(series)) {
                out.add(new double[] {Double.parseDouble(f[3]), Double.parseDouble(f[4])});
            }
        }
        return out;
    }
}
