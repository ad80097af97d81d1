package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.range.VolatileRange;
import java.util.ArrayList;
import java.util.List;

/**
 * One thread's position among the rules' sites: how deep it is inside each rule's site methods, and the
 * ranges allocated in the extent of each on-return rule's outermost call, to mark when that call returns.
 * Touched only by its own thread.
 */
final class ThreadSites {
    private final int[] depth;
    private final List<List<VolatileRange>> extent;
    /** How many rules have a depth above zero: zero is the fast path. */
    private int active;
    /** Above zero while the agent itself works on this thread: its own allocations then stay plain. */
    private int agentWork;

    ThreadSites(int rules) {
        depth = new int[rules];
        extent = new ArrayList<>(rules);
        for (int i = 0; i < rules; i++) {
            extent.add(null);
        }
    }

    boolean inside(int rule) {
        return depth[rule] > 0;
    }

    boolean insideAny() {
        return active > 0;
    }

    boolean agentWork() {
        return agentWork > 0;
    }

    void beginAgentWork() {
        agentWork++;
    }

    void endAgentWork() {
        agentWork--;
    }

    void enter(int rule) {
        if (depth[rule]++ == 0) {
            active++;
        }
    }

    /**
     * Leaves one call of a site of {@code rule}.
     *
     * @return the ranges allocated in its extent when that was the outermost call (to mark or to drop),
     *         else null; also null for an exit whose entry the agent never saw (it started meanwhile)
     */
    List<VolatileRange> exit(int rule) {
        if (depth[rule] == 0 || --depth[rule] > 0) {
            return null;
        }
        active--;
        List<VolatileRange> ranges = extent.get(rule);
        extent.set(rule, null);
        return ranges == null ? List.of() : ranges;
    }

    /** Records a range allocated in the extent of {@code rule}'s current outermost call. */
    void allocatedInExtent(int rule, VolatileRange range) {
        List<VolatileRange> ranges = extent.get(rule);
        if (ranges == null) {
            ranges = new ArrayList<>();
            extent.set(rule, ranges);
        }
        ranges.add(range);
    }
}
