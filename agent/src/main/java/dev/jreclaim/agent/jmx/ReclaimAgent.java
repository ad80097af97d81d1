package dev.jreclaim.agent.jmx;

import dev.jreclaim.agent.log.AgentLog;
import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.Accounting;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RangeStats;
import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.agent.range.RangeState;
import dev.jreclaim.agent.rules.PressureFigures;
import dev.jreclaim.agent.rules.RulePolicy;
import dev.jreclaim.agent.runtime.ReclaimRuntime;
import dev.jreclaim.agent.runtime.ReclaimRuntime.AgentRange;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.ToLongFunction;
import javax.management.InstanceAlreadyExistsException;
import javax.management.MBeanServer;

/**
 * {@code dev.jreclaim:type=Agent}. Public with a no-argument constructor so that a JMX client can also
 * create it in the target ({@code createMBean}) when the platform MBeanServer was made before the pool
 * could register it; it then reads the running agent, and fails if there is none.
 */
public final class ReclaimAgent implements ReclaimAgentMXBean {
    private final ReclaimRuntime runtime;

    public ReclaimAgent() {
        this(running());
    }

    ReclaimAgent(ReclaimRuntime runtime) {
        this.runtime = runtime;
    }

    private static ReclaimRuntime running() {
        ReclaimRuntime r = ReclaimRuntime.current();
        if (r == null) {
            throw new IllegalStateException("no jreclaim agent runs in this JVM");
        }
        return r;
    }

    /** Registers the agent's MBean in {@code server} once; never throws. */
    static void registerIn(MBeanServer server) {
        ReclaimRuntime r = ReclaimRuntime.current();
        if (server == null || r == null) {
            return;
        }
        try {
            server.registerMBean(new ReclaimAgent(r), Names.of(Names.AGENT));
        } catch (InstanceAlreadyExistsException already) {
            // a client created it first
        } catch (Exception | LinkageError e) {
            AgentLog.warn("the jreclaim MBean could not be registered: " + e);
        }
    }

    @Override
    public Figures getTotals() {
        FaultCounters c = runtime.registry().counters();
        Figures live = sum(runtime.ranges().stream().map(AgentRange::range).toList());
        return new Figures(live.getRanges(), live.getAllocatedBytes(), live.getVolatileBytes(), live.getResidentBytes(),
                live.getPurgedBytes(), c.faultEvents(), c.pagesRestored(), live.getWrittenBytes());
    }

    @Override
    public Map<String, Long> getAgentMemory() {
        FaultCounters c = runtime.registry().counters();
        Accounting a = Accounting.of(runtime.ranges().stream().map(AgentRange::range).toList());
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("snapshots", c.snapshots().heldBytes());
        m.put("library", c.agentBytes());
        m.put("recycled", runtime.registry().memory().recycledBytes()); // part of library: freed slots kept zeroed
        m.put("kept-plain", a.keptBytes());
        m.put("spilled", c.snapshots().spill().heldBytes()); // on disk: page cache the kernel may drop, not in library
        return m;
    }

    @Override
    public Map<String, Long> getChunksWithoutSnapshot() {
        FaultCounters.Snapshots s = runtime.registry().counters().snapshots();
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("incompressible", s.incompressible());
        m.put("over-limit", s.overBudget());
        m.put("kept-plain", s.keptPlain());
        return m;
    }

    @Override
    public Map<String, Long> getSnapshotSpill() {
        FaultCounters.Spill s = runtime.registry().counters().snapshots().spill();
        Map<String, Long> m = new LinkedHashMap<>();
        m.put("held-bytes", s.heldBytes());
        m.put("chunks", s.chunks());
        m.put("written-bytes", s.writtenBytes());
        m.put("read-bytes", s.readBytes());
        m.put("write-errors", s.writeErrors());
        m.put("read-errors", s.readErrors());
        return m;
    }

    @Override
    public Map<String, Figures> getRules() {
        Map<String, java.util.List<VolatileRange>> byRule = new TreeMap<>();
        for (AgentRange a : runtime.ranges()) {
            byRule.computeIfAbsent(a.rule().rule().id(), k -> new java.util.ArrayList<>()).add(a.range());
        }
        Map<String, Figures> out = new TreeMap<>();
        byRule.forEach((id, ranges) -> out.put(id, sum(ranges)));
        return out;
    }

    private static Figures sum(Iterable<VolatileRange> ranges) {
        Accounting a = Accounting.of(ranges);
        return new Figures(a.ranges(), a.bytes(), a.volatileBytes(), a.residentBytes(), a.purgedBytes(), a.faults(),
                a.pagesRestored(), a.writtenBytes());
    }

    @Override
    public long getAllocations() {
        return runtime.totals().allocations();
    }

    @Override
    public long getFrees() {
        return runtime.totals().frees();
    }

    @Override
    public Map<String, Long> getPagesRebuiltBySource() {
        return bySource(FaultCounters.SourceCounters::pages);
    }

    @Override
    public Map<String, Long> getFaultsBySource() {
        return bySource(FaultCounters.SourceCounters::faults);
    }

    private Map<String, Long> bySource(ToLongFunction<FaultCounters.SourceCounters> figure) {
        Map<String, Long> out = new LinkedHashMap<>();
        runtime.registry().counters().perSource().forEach((s, c) -> out.put(s.name(), figure.applyAsLong(c)));
        return out;
    }

    @Override
    public long getServiceNanosP50() {
        return runtime.registry().counters().quantileNanos(0.5);
    }

    @Override
    public long getServiceNanosP99() {
        return runtime.registry().counters().quantileNanos(0.99);
    }

    @Override
    public long[] getServiceHistogram() {
        return runtime.registry().counters().histogram().clone();
    }

    @Override
    public long getServiceNanosMax() {
        return runtime.registry().counters().maxNanos();
    }

    @Override
    public Map<String, Long> getLockResults() {
        Map<String, Long> out = new LinkedHashMap<>();
        runtime.registry().lockResults().forEach((k, v) -> out.put(k.name(), v));
        return out;
    }

    @Override
    public Map<String, Long> getFileRebuilds() {
        FaultCounters.FileRebuilds f = runtime.registry().counters().files();
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("pages", f.pages());
        out.put("verified", f.verified());
        out.put("unverified", f.unverified());
        out.put("stale", f.stale());
        out.put("stale-by-hash", f.staleByHash());
        out.put("missing", f.missing());
        out.put("io-errors", f.ioErrors());
        out.put("fell-to-snapshot", f.fellToSnapshot());
        out.put("files-tracked", f.filesTracked());
        out.put("files-open", f.filesOpen());
        out.put("reopens", f.reopens());
        out.put("evictions", f.evictions());
        return out;
    }

    @Override
    public Map<String, Long> getFailures() {
        FaultCounters c = runtime.registry().counters();
        ReclaimRuntime.Totals t = runtime.totals();
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("allocation-fallbacks", t.fallbacks());
        out.put("free-failures", t.freeFailures());
        out.put("rebuild-failures", c.rebuildFailures());
        out.put("copy-errors", c.installErrors());
        return out;
    }

    @Override
    public int purge(String rule) {
        boolean all = rule == null || rule.isEmpty() || rule.equals("*");
        if (!all && !getRuleIds().contains(rule)) {
            // An IllegalArgumentException reaches a JMX client as itself (wrapped in RuntimeMBeanException).
            throw new IllegalArgumentException("no rule '" + rule + "'; the running rules are "
                    + (getRuleIds().isEmpty() ? "none" : "'" + String.join("', '", getRuleIds()) + "'"));
        }
        int purged = 0;
        for (AgentRange a : runtime.ranges()) {
            if (all || a.rule().rule().id().equals(rule)) {
                try {
                    if (a.range().state() == RangeState.VOLATILE) {
                        a.range().purge();
                        purged++;
                    }
                } catch (IllegalStateException freedMeanwhile) {
                    // gone since the list was read
                }
            }
        }
        return purged;
    }

    @Override
    public java.util.List<String> getRuleIds() {
        return runtime.policy() instanceof dev.jreclaim.agent.rules.RulePolicy p ? p.ruleIds() : java.util.List.of();
    }

    @Override
    public String dumpRanges() {
        StringBuilder b = new StringBuilder(String.format("%-18s %12s %-16s %-9s %12s %s%n", "address", "bytes", "rule",
                "state", "resident", "source"));
        for (AgentRange a : runtime.ranges()) {
            try {
                RangeStats s = a.range().stats();
                b.append(String.format("0x%016x %12d %-16s %-9s %12d %s%n", a.range().address(), s.bytes(),
                        a.rule().rule().id(), s.state(), s.residentBytes(), s.source()));
            } catch (IllegalStateException freedMeanwhile) {
                // gone since the list was read
            }
        }
        return b.toString();
    }

    @Override
    public Map<String, Long> getPins() {
        ReclaimRuntime.Pins p = runtime.pins();
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("pins", p.pins());
        out.put("failures", p.failures());
        out.put("purged-refusals", p.purgedRefusals());
        return out;
    }

    @Override
    public Map<String, Long> getWritesAfterMark() {
        Accounting a = Accounting.of(runtime.ranges().stream().map(AgentRange::range).toList());
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("written-bytes", a.writtenBytes());
        out.put("first-writes", runtime.registry().counters().firstWrites());
        out.put("re-marks", runtime.policy() instanceof RulePolicy p ? p.remarksAfterWrites() : 0L);
        return out;
    }

    @Override
    public Map<String, Long> getPressure() {
        PressureFigures f = runtime.policy() instanceof RulePolicy p ? p.pressureFigures() : PressureFigures.NONE;
        Map<String, Long> out = new LinkedHashMap<>();
        out.put("level", (long) f.level().ordinal());
        out.put("available-bytes", f.availableBytes());
        out.put("headroom-bytes", f.headroomBytes());
        out.put("limit-bytes", f.limitBytes());
        out.put("deferred-bytes", f.deferredBytes());
        out.put("deferred-ranges", f.deferredRanges());
        out.put("ever-deferred", f.everDeferred());
        out.put("marked-ranges", f.markedRanges());
        out.put("marked-bytes", f.markedBytes());
        out.put("back-pressure-ranges", f.backPressureRanges());
        out.put("back-pressure-bytes", f.backPressureBytes());
        out.put("rises", f.rises());
        out.put("criticals", f.criticals());
        out.put("polls", f.polls());
        out.put("poll-nanos", f.pollNanos());
        out.put("failures", f.failures());
        return out;
    }
}
