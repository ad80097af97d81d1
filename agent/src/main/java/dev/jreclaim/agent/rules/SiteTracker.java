package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.instrumentation.api.SiteListener;
import dev.jreclaim.instrumentation.api.SiteTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * The rules' sites at run time. At instrumentation it hands out a site id per distinct set of rules a
 * method matches ({@link SiteTable}); at run time the advice in those methods reports entries and exits
 * ({@link SiteListener}), which it counts per thread and rule. When the outermost call of an on-return rule
 * returns normally, the ranges allocated in its extent are handed to the {@link BackgroundMarker} (once the
 * agent runs; before, marked on that thread); when an exception leaves it, they stay LOCKED (safe: a buffer
 * half filled is never made reclaimable).
 */
public final class SiteTracker implements SiteListener, SiteTable {
    private final List<ActiveRule> rules;
    private final ThreadLocal<ThreadSites> threads = new ThreadLocal<>();
    private final Map<String, Integer> idsByRuleSet = new HashMap<>();
    /** Site id -> rule indexes; replaced whole on growth, so the advice reads it without a lock. */
    private volatile int[][] sites = new int[0][];
    private final LongAdder markFailures = new LongAdder();
    private volatile BackgroundMarker marker;
    /** Non-null when a rule marks only under pressure: its ranges wait there instead. */
    private volatile PressureMarker pressure;

    public SiteTracker(List<ActiveRule> rules) {
        this.rules = List.copyOf(rules);
    }

    @Override
    public boolean mayHaveSites(String className) {
        for (ActiveRule r : rules) {
            if (!r.anySite() && r.rule().site().matchesClass(className)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public synchronized int siteOf(String className, String methodName) {
        List<Integer> matched = new ArrayList<>();
        for (ActiveRule r : rules) {
            if (!r.anySite() && r.rule().site().matches(className, methodName)) {
                matched.add(r.index());
            }
        }
        if (matched.isEmpty()) {
            return -1;
        }
        return idsByRuleSet.computeIfAbsent(matched.toString(), k -> {
            int[][] grown = Arrays.copyOf(sites, sites.length + 1);
            grown[sites.length] = matched.stream().mapToInt(Integer::intValue).toArray();
            sites = grown;
            return grown.length - 1;
        });
    }

    /** From now on, on-return marks run on one background thread over {@code ranges}. */
    synchronized void startBackgroundMarking(RangeRegistry ranges) {
        if (marker == null) {
            marker = new BackgroundMarker(ranges, this::markAgentThread, this::markOne);
        }
    }

    /** From now on, the on-return ranges of mark-when=pressure rules wait in {@code marker} for memory to be short. */
    void deferUnderPressure(PressureMarker marker) {
        this.pressure = marker;
    }

    /** Waits until every on-return mark handed to the background marker so far is done. */
    void awaitPendingMarks() throws InterruptedException {
        BackgroundMarker m = marker;
        if (m != null) {
            m.awaitIdle();
        }
    }

    /** On-return marks the application's thread made itself because the background queue was full. */
    public long inlineMarks() {
        BackgroundMarker m = marker;
        return m == null ? 0 : m.inlineMarks();
    }

    /** The rule indexes of a site id (for tests and diagnostics). */
    int[] rulesOf(int site) {
        return sites[site].clone();
    }

    /** This thread's sites, or null when it never entered one. One ThreadLocal read. */
    ThreadSites current() {
        return threads.get();
    }

    private ThreadSites currentOrNew() {
        ThreadSites t = threads.get();
        if (t == null) {
            t = new ThreadSites(rules.size());
            threads.set(t);
        }
        return t;
    }

    /** Marks the calling thread as the agent's own: allocations on it are never taken. */
    void markAgentThread() {
        currentOrNew().beginAgentWork();
    }

    /** From now until {@link #endAgentWork}, allocations on this thread are never taken (nests). */
    void beginAgentWork() {
        currentOrNew().beginAgentWork();
    }

    void endAgentWork() {
        currentOrNew().endAgentWork();
    }

    @Override
    public void enter(int site) {
        ThreadSites t = currentOrNew();
        for (int rule : sites[site]) {
            t.enter(rule);
        }
    }

    @Override
    public void exit(int site, boolean returned) {
        ThreadSites t = threads.get();
        if (t == null) {
            return;
        }
        for (int rule : sites[site]) {
            List<VolatileRange> ended = t.exit(rule);
            if (ended != null && returned && !ended.isEmpty()) {
                PressureMarker p = pressure;
                if (p != null && rules.get(rule).rule().marksUnderPressureOnly()) {
                    deferAll(t, p, ended);
                } else {
                    markAll(t, ended);
                }
            }
        }
    }

    /** Records a range of an on-return rule, allocated by the current thread inside that rule's site. */
    void allocatedInExtent(ActiveRule rule, VolatileRange range) {
        ThreadSites t = threads.get();
        if (t != null && t.inside(rule.index())) {
            t.allocatedInExtent(rule.index(), range);
        }
    }

    private void markAll(ThreadSites t, List<VolatileRange> ranges) {
        t.beginAgentWork();
        try {
            BackgroundMarker m = marker;
            for (VolatileRange r : ranges) {
                if (m != null) {
                    m.submit(r);
                } else {
                    markOne(r);
                }
            }
        } finally {
            t.endAgentWork();
        }
    }

    private static void deferAll(ThreadSites t, PressureMarker p, List<VolatileRange> ranges) {
        t.beginAgentWork();
        try {
            p.returned(ranges);
        } finally {
            t.endAgentWork();
        }
    }

    void markOne(VolatileRange r) {
        try {
            r.mark();
        } catch (IllegalStateException freedMeanwhile) {
            // The application freed it (an arena closed in the extent, or since): nothing to mark.
        } catch (Throwable e) {
            markFailures.increment();
        }
    }

    /** Marks that failed for another reason than a range freed meanwhile. */
    public long markFailures() {
        return markFailures.sum();
    }
}
