package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.agent.rules.ActiveRule;
import dev.jreclaim.agent.rules.AllocationPolicy;
import dev.jreclaim.agent.rules.RangeUse;
import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.ReclaimableMemory;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * The agent at run time, one per JVM: the range registry (with its fault service) and the policy. The
 * substituted JDK calls reach it through {@link dev.jreclaim.instrumentation.api.MemoryHook}. Every live
 * allocation the agent gave to the JDK is a range of the registry, found by its base address, carrying its
 * rule ({@link RangeUse}): there is no second table here.
 *
 * <p>Cost where the policy says no: the policy's decision on allocation (one ThreadLocal read outside
 * every site); a page-alignment test on zeroing and free (malloc'd blocks are rarely page-aligned; when
 * one is, a map lookup). Zeroing and free read no thread-local: a zeroing is skipped only for the base of a
 * live agent range, which at the zeroing call right after the allocation can only be the memory just
 * allocated, so no per-thread "last address" can go stale.
 */
public final class ReclaimRuntime implements ReclaimableMemory {
    private static volatile ReclaimRuntime current;

    private final RangeRegistry registry;
    private final AllocationPolicy policy;
    private final long pageMask = Libc.pageSize() - 1;
    private final LongAdder allocations = new LongAdder();
    private final LongAdder frees = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    private final LongAdder freeFailures = new LongAdder();
    private volatile Throwable lastFailure;

    /** A live range and the rule it was made for (per-rule figures, purge by rule). */
    public record AgentRange(VolatileRange range, ActiveRule rule) {}

    /** Totals since start: live ranges and their mapped bytes; allocations taken, freed, and left to the JDK after a failure. */
    public record Totals(long liveRanges, long liveBytes, long allocations, long frees, long fallbacks, long freeFailures) {}

    public ReclaimRuntime(RangeRegistry registry, AllocationPolicy policy) {
        this.registry = registry;
        this.policy = policy;
    }

    /** The running agent's runtime, or null when no agent runs in this JVM. */
    public static ReclaimRuntime current() {
        return current;
    }

    public static void setCurrent(ReclaimRuntime runtime) {
        current = runtime;
    }

    public RangeRegistry registry() {
        return registry;
    }

    public AllocationPolicy policy() {
        return policy;
    }

    @Override
    public long allocate(AllocationKind kind, long size) {
        ActiveRule rule;
        try {
            rule = policy.ruleFor(kind, size);
        } catch (Throwable t) {
            fail(t);
            return 0;
        }
        return rule == null || rule.source() == null ? 0 : allocateRange(size, rule);
    }

    private long allocateRange(long size, ActiveRule rule) {
        policy.beginAgentWork(); // what the registry allocates meanwhile (FFM call state) stays plain
        try {
            RangeUse use = policy.use(rule);
            VolatileRange r = registry.allocateUnscoped(size, rule.source(), use);
            allocations.increment();
            if (rule.purge().fallback() != null) {
                r.fallBackTo(rule.purge().fallback()); // a chunk whose snapshot does not pay: zeros, not plain memory
            }
            try {
                policy.taken(use, r); // its mark mode starts
            } catch (Throwable t) { // the range stays LOCKED: plain memory in effect
                lastFailure = t;
            }
            return r.address();
        } catch (Throwable t) { // range table full, mmap refused, service closed: the JDK's malloc instead
            fail(t);
            return 0;
        } finally {
            policy.endAgentWork();
        }
    }

    private void fail(Throwable t) {
        fallbacks.increment();
        lastFailure = t;
    }

    @Override
    public boolean owns(long address) {
        return (address & pageMask) == 0 && registry.byAddress(address) != null;
    }

    @Override
    public boolean free(long address) {
        if ((address & pageMask) != 0) {
            return false;
        }
        VolatileRange r = registry.byAddress(address);
        if (r == null) {
            return false;
        }
        frees.increment();
        try {
            policy.freeing(r);
            r.free();
        } catch (Throwable t) { // never into the JDK's cleaner; the mapping may leak, counted
            freeFailures.increment();
            lastFailure = t;
        }
        return true;
    }

    /** The live range whose memory starts at {@code address} (a direct buffer's or segment's address), or null. */
    public VolatileRange rangeAt(long address) {
        return registry.byAddress(address);
    }

    /** The live ranges the agent made, with their rules. */
    public Collection<AgentRange> ranges() {
        List<AgentRange> out = new ArrayList<>();
        for (VolatileRange r : registry.ranges()) {
            if (r.attachment() instanceof RangeUse u) {
                out.add(new AgentRange(r, u.rule()));
            }
        }
        return out;
    }

    public Totals totals() {
        long bytes = 0;
        int n = 0;
        for (VolatileRange r : registry.ranges()) {
            bytes += r.byteSize();
            n++;
        }
        return new Totals(n, bytes, allocations.sum(), frees.sum(), fallbacks.sum(), freeFailures.sum());
    }

    /** The last failure that sent an allocation back to the JDK or made a free fail, or null. */
    public Throwable lastFailure() {
        return lastFailure;
    }

    @Override
    public String toString() {
        return "jreclaim runtime[" + policy.describe() + ", " + totals() + "]";
    }
}
