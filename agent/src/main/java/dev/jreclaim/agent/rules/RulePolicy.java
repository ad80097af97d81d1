package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.config.AgentConfig;
import dev.jreclaim.agent.config.MarkMode;
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

    /** With the default {@code jreclaim.remark.idle}. */
    public RulePolicy(List<ActiveRule> rules, SiteTracker sites) {
        this(rules, sites, AgentConfig.DEFAULT_REMARK_IDLE);
    }

    public RulePolicy(List<ActiveRule> rules, SiteTracker sites, Duration remarkIdle) {
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
        // Idle rules' ranges are watched for their idle time, on-return rules' for re-marking after writes.
        Duration shortest = rules.stream()
                .filter(r -> r.source() != null && !(r.mark() instanceof MarkMode.Explicit))
                .map(r -> r.mark() instanceof MarkMode.Idle i ? i.after() : remarkIdle)
                .min(Duration::compareTo)
                .orElse(null);
        this.idle = shortest == null ? null : new IdleMarker(sites, shortest);
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
        if (Arrays.stream(rules).anyMatch(r -> r.source() != null && r.mark() instanceof MarkMode.OnReturn)) {
            sites.startBackgroundMarking(ranges);
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
        if (use.rule().mark() instanceof MarkMode.OnReturn) {
            sites.allocatedInExtent(use.rule(), range);
        } // idle (and on-return, to re-mark): the marker finds it in the registry by its attachment; explicit: stays LOCKED
    }

    @Override
    public void freeing(VolatileRange range) {
        if (range.attachment() instanceof RangeUse u && u.idle != null) {
            IdleMarker.forget(u.idle);
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
                : java.util.Arrays.stream(rules).map(ActiveRule::describe).collect(Collectors.joining(", "));
    }
}
