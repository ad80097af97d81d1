package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.config.AgentConfig;
import dev.jreclaim.agent.config.Headroom;
import dev.jreclaim.agent.config.MarkMode;
import dev.jreclaim.agent.pressure.MemorySignal;
import dev.jreclaim.agent.pressure.PressureGauge;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.instrumentation.api.AllocationKind;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The configuration's site rules as the allocation policy: an allocation belongs to the first rule, in rule
 * order, that covers its kind and size and whose site the thread is inside (a rule without site: anywhere).
 * A rule whose on-purge list resolved to nothing still wins the match; its buffers stay plain JDK memory.
 *
 * <p>Cost for an allocation no rule takes: one ThreadLocal read when no rule lacks a site and the thread
 * is inside no site; otherwise one test per rule.
 */
public final class RulePolicy implements AllocationPolicy {
    private final ActiveRule[] rules;
    private final boolean anySiteRule;
    private final SiteTracker sites;
    private final IdleMarker idle;
    /** How long a range written since its mark stays unwritten before it is marked again (jreclaim.remark.idle). */
    private final Duration remarkIdle;
    /** Non-null when a rule marks only once memory is short (mark-when=pressure). */
    private final PressureMarker pressure;

    /** With the default {@code jreclaim.remark.idle}. */
    public RulePolicy(List<ActiveRule> rules, SiteTracker sites) {
        this(rules, sites, AgentConfig.DEFAULT_REMARK_IDLE);
    }

    /** With the default {@code jreclaim.pressure.headroom}. */
    public RulePolicy(List<ActiveRule> rules, SiteTracker sites, Duration remarkIdle) {
        this(rules, sites, remarkIdle, Headroom.DEFAULT);
    }

    /** Under pressure as this process's memory cgroup (or, without a limit, /proc/meminfo) reports it. */
    public RulePolicy(List<ActiveRule> rules, SiteTracker sites, Duration remarkIdle, Headroom headroom) {
        this(rules, sites, remarkIdle, rules.stream().anyMatch(RulePolicy::defers)
                ? new PressureGauge(MemorySignal.ofThisProcess(), headroom) : null);
    }

    /** @param gauge the pressure signal of the mark-when=pressure rules (tests drive their own); null without such rules */
    RulePolicy(List<ActiveRule> rules, SiteTracker sites, Duration remarkIdle, PressureGauge gauge) {
        this.rules = rules.toArray(ActiveRule[]::new);
        for (int i = 0; i < this.rules.length; i++) {
            if (this.rules[i].index() != i) {
                throw new IllegalArgumentException("rule " + this.rules[i].rule().id() + " has index "
                        + this.rules[i].index() + ", expected " + i);
            }
        }
        this.anySiteRule = rules.stream().anyMatch(ActiveRule::anySite);
        this.sites = sites;
        this.remarkIdle = remarkIdle;
        this.pressure = gauge == null ? null : new PressureMarker(gauge, sites::markOne);
        if (pressure != null) {
            sites.deferUnderPressure(pressure);
        }
        // Idle rules' ranges are watched for their idle time, on-return rules' for re-marking after writes.
        Duration shortest = rules.stream()
                .filter(r -> r.source() != null && !(r.mark() instanceof MarkMode.Explicit))
                .map(r -> r.mark() instanceof MarkMode.Idle i ? i.after() : remarkIdle)
                .min(Duration::compareTo)
                .orElse(null);
        this.idle = shortest == null ? null : new IdleMarker(sites, shortest, gauge);
    }

    private static boolean defers(ActiveRule r) {
        return r.source() != null && r.rule().marksUnderPressureOnly();
    }

    /** Deferred marking now ({@link PressureFigures#NONE} without a mark-when=pressure rule). */
    public PressureFigures pressureFigures() {
        return pressure == null ? PressureFigures.NONE : pressure.figures(idle == null ? 0 : idle.deferredBytes());
    }

    /** For tests: one poll of the pressure signal and the marking it calls for, on this thread. */
    void pressurePass() {
        pressure.pass();
    }

    /** Marks of ranges written since their mark, made by the idle marker (0 without idle or on-return rules). */
    public long remarksAfterWrites() {
        return idle == null ? 0 : idle.remarksWritten();
    }

    /**
     * For tests: waits until the idle marker has looked at every range in a pass that began at or after
     * {@code nanoTime} (System.nanoTime), at most {@code within}; false when it did not, or there is no marker.
     */
    public boolean awaitIdleLookAfter(long nanoTime, Duration within) throws InterruptedException {
        return idle != null && idle.awaitPassStartedAfter(nanoTime, within);
    }

    /** The ids of the running rules, in rule order. */
    public List<String> ruleIds() {
        return java.util.Arrays.stream(rules).map(r -> r.rule().id()).toList();
    }

    /** Starts the idle marker's thread, if any rule marks when idle, and the on-return rules' background marker. */
    public void start(RangeRegistry ranges) {
        if (idle != null) {
            idle.start(ranges);
        }
        if (Arrays.stream(rules).anyMatch(r -> r.source() != null && r.mark() instanceof MarkMode.OnReturn
                && !r.rule().marksUnderPressureOnly())) {
            sites.startBackgroundMarking(ranges);
        }
        if (pressure != null) {
            pressure.start(ranges, sites::markAgentThread);
        }
    }

    /**
     * Waits until every on-return mark queued so far is done: what a caller that reads a range's state right
     * after its site returned (a test, a benchmark) needs, since the mark runs on the marker's thread.
     */
    @Override
    public void awaitPendingMarks() throws InterruptedException {
        sites.awaitPendingMarks();
    }

    public SiteTracker sites() {
        return sites;
    }

    @Override
    public ActiveRule ruleFor(AllocationKind kind, long size) {
        ThreadSites t = sites.current();
        if (t == null ? !anySiteRule : t.agentWork() || (!anySiteRule && !t.insideAny())) {
            return null;
        }
        for (ActiveRule r : rules) {
            if (r.accepts(kind, size) && (r.anySite() || (t != null && t.inside(r.index())))) {
                return r;
            }
        }
        return null;
    }

    @Override
    public RangeUse use(ActiveRule rule) {
        return new RangeUse(rule, switch (rule.mark()) {
            case MarkMode.Idle i -> IdleMarker.watch(i.after());
            case MarkMode.OnReturn o -> IdleMarker.remarkOnly(remarkIdle);
            case MarkMode.Explicit e -> null; // the application marks: never re-marked behind its back
        });
    }

    @Override
    public void taken(RangeUse use, VolatileRange range) {
        if (pressure != null && use.rule().rule().marksUnderPressureOnly()) {
            pressure.allocated(range); // at critical this thread marks waiting ranges before it fills this one
        }
        if (use.rule().mark() instanceof MarkMode.OnReturn) {
            sites.allocatedInExtent(use.rule(), range);
        } // idle (and on-return, to re-mark): the marker finds it in the registry by its attachment; explicit: stays LOCKED
    }

    @Override
    public void freeing(VolatileRange range) {
        if (range.attachment() instanceof RangeUse u) {
            if (u.idle != null) {
                IdleMarker.forget(u.idle);
            }
            if (pressure != null && u.rule().rule().marksUnderPressureOnly()) {
                pressure.forget(u);
            }
        }
    }

    @Override
    public void beginAgentWork() {
        sites.beginAgentWork();
    }

    @Override
    public void endAgentWork() {
        sites.endAgentWork();
    }

    @Override
    public String describe() {
        return rules.length == 0 ? NONE.describe()
                : java.util.Arrays.stream(rules).map(ActiveRule::describe).collect(Collectors.joining(", "))
                        + (pressure == null ? "" : " (memory is short below a " + pressure.gauge().describe() + ")");
    }
}
