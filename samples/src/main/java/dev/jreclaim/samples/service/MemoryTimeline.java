package dev.jreclaim.samples.service;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import dev.jreclaim.samples.chart.Series;
import java.time.Duration;

/**
 * The memory cgroup's view of a run, sampled on a daemon thread until the process ends: the cgroup's
 * usage, its anonymous memory (direct buffers and the agent's ranges alike), and its inactive-file pages,
 * where the kernel keeps anonymous pages freed with MADV_FREE until it drops them (plus a little real
 * file cache): the part of the usage the kernel can take back at any moment without an OOM kill.
 */
public final class MemoryTimeline {
    private static final double MIB = 1 << 20;

    private final Series usage = new Series("cgroup usage", "#d62728");
    private final Series anon = new Series("anonymous", "#1f77b4");
    private final Series lazyfree = new Series("droppable now (inactive file LRU: MADV_FREE'd)", "#2ca02c");
    private final Thread sampler;
    private volatile boolean stopped;

    private MemoryTimeline(MemoryCgroup cg, Process p, long t0, Duration every) {
        boolean v1 = cg.version() == MemoryCgroup.Version.V1;
        sampler = Thread.ofPlatform().daemon().name("memory-timeline").start(() -> {
            while (!stopped && p.isAlive()) {
                double t = (System.nanoTime() - t0) / 1e9;
                long u = cg.usageBytes();
                if (u >= 0) {
                    usage.add(t, u / MIB);
                    anon.add(t, Math.max(0, cg.statValue(v1 ? "rss" : "anon")) / MIB);
                    lazyfree.add(t, Math.max(0, cg.statValue("inactive_file")) / MIB);
                }
                try {
                    Thread.sleep(every);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    static MemoryTimeline start(MemoryCgroup cg, Process p, long t0, Duration every) {
        return new MemoryTimeline(cg, p, t0, every);
    }

    void stop() throws InterruptedException {
        stopped = true;
        sampler.join(Duration.ofSeconds(5));
    }

    public Series usage() {
        return usage;
    }

    public Series anon() {
        return anon;
    }

    public Series lazyfree() {
        return lazyfree;
    }
}
