package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.config.MarkMode;
import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.instrumentation.api.AllocationKind;
import java.time.Duration;
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

    public RulePolicy(List<ActiveRule> rules, SiteTracker sites) {
        this.rules = rules.toArray(ActiveRule[]::new);
        for (int i = 0; i < this.rules.length; i++) {
            if (this.rules[i].index() != i) {
                throw new IllegalArgumentException("rule " + this.rules[i].rule().id() + " has index "
                        + this.rules[i].index() + ", expected " + i);
            }
        }
        this.anySiteRule = rules.stream().anyMatch(ActiveRule::anySite);
        this.sites = sites;
        Duration shortest = rules.stream()
                .filter(r -> r.source() != null && r.mark() instanceof MarkMode.Idle)
                .map(r -> ((MarkMode.Idle) r.mark()).after())
                .min(Duration::compareTo)
                .orElse(null);
        this.idle = shortest == null ? null : new IdleMarker(sites, shortest);
    }

    /** Starts the idle marker's thread, if any rule marks when idle. */
    public void start() {
        if (idle != null) {
            idle.start();
        }
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
    public void taken(ActiveRule rule, VolatileRange range) {
        switch (rule.mark()) {
            case MarkMode.OnReturn _ -> sites.allocatedInExtent(rule, range);
            case MarkMode.Idle i -> idle.watch(range, i.after());
            case MarkMode.Explicit _ -> {} // the application API comes with a later issue
        }
    }

    @Override
    public void freeing(VolatileRange range) {
        if (idle != null) {
            idle.forget(range);
        }
    }

    @Override
    public String describe() {
        return rules.length == 0 ? NONE.describe()
                : java.util.Arrays.stream(rules).map(ActiveRule::describe).collect(Collectors.joining(", "));
    }
}
