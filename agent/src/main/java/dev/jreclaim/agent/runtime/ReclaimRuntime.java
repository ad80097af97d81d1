package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.range.FaultService;
import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.agent.rules.ActiveRule;
import dev.jreclaim.agent.rules.AllocationPolicy;
import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.ReclaimableMemory;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The agent at run time, one per JVM: the fault service, the policy, and every live allocation the agent
 * gave to the JDK, by address. The substituted JDK calls reach it through
 * {@link dev.jreclaim.instrumentation.api.MemoryHook}.
 *
 * <p>Cost where the policy says no: the policy's decision on allocation (one ThreadLocal read outside
 * every site); a page-alignment test on zeroing and free (malloc'd blocks are rarely page-aligned; when
 * one is, a map lookup). Zeroing and free read no thread-local: a zeroing is skipped only for the base of a live agent range, which at the zeroing call right after
 * the allocation can only be the memory just allocated, so no per-thread "last address" can go stale.
 */
public final class ReclaimRuntime implements ReclaimableMemory {
    private static volatile ReclaimRuntime current;
    /** Set while this thread makes a range: allocations the agent itself makes then stay plain. */
    private static final ThreadLocal<Boolean> MAKING_RANGE = new ThreadLocal<>();

    private final FaultService service;
    private final AllocationPolicy policy;
    private final long pageMask = Libc.pageSize() - 1;
    private final ConcurrentHashMap<Long, AgentRange> live = new ConcurrentHashMap<>();
    private final LongAdder liveBytes = new LongAdder();
    private final LongAdder allocations = new LongAdder();
    private final LongAdder frees = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    private final LongAdder freeFailures = new LongAdder();
    private volatile Throwable lastFailure;

    /** A live range and the rule it was made for (per-rule figures, purge by rule). */
    public record AgentRange(VolatileRange range, ActiveRule rule) {}

    /** Totals since start: live ranges and their mapped bytes; allocations taken, freed, and left to the JDK after a failure. */
    public record Totals(long liveRanges, long liveBytes, long allocations, long frees, long fallbacks, long freeFailures) {}

    public ReclaimRuntime(FaultService service, AllocationPolicy policy) {
        this.service = service;
        this.policy = policy;
    }

    /** The running agent's runtime, or null when no agent runs in this JVM. */
    public static ReclaimRuntime current() {
        return current;
    }

    public static void setCurrent(ReclaimRuntime runtime) {
        current = runtime;
    }

    public FaultService service() {
        return service;
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
        if (MAKING_RANGE.get() != null) {
            return 0;
        }
        MAKING_RANGE.set(Boolean.TRUE);
        try {
            VolatileRange r = service.allocateUnscoped(size, rule.source());
            live.put(r.address(), new AgentRange(r, rule));
            liveBytes.add(r.byteSize());
            allocations.increment();
            try {
                policy.taken(rule, r); // its mark mode starts
            } catch (Throwable t) { // the range stays LOCKED: plain memory in effect
                lastFailure = t;
            }
            return r.address();
        } catch (Throwable t) { // range table full, mmap refused, service closed: the JDK's malloc instead
            fail(t);
            return 0;
        } finally {
            MAKING_RANGE.remove();
        }
    }

    private void fail(Throwable t) {
        fallbacks.increment();
        lastFailure = t;
    }

    @Override
    public boolean owns(long address) {
        return (address & pageMask) == 0 && live.containsKey(address);
    }

    @Override
    public boolean free(long address) {
        if ((address & pageMask) != 0) {
            return false;
        }
        AgentRange owned = live.remove(address);
        if (owned == null) {
            return false;
        }
        VolatileRange r = owned.range();
        liveBytes.add(-r.byteSize());
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
        AgentRange owned = live.get(address);
        return owned == null ? null : owned.range();
    }

    /** The live ranges with their rules, a view (ranges come and go while it is read). */
    public Collection<AgentRange> ranges() {
        return java.util.Collections.unmodifiableCollection(live.values());
    }

    public Totals totals() {
        return new Totals(live.size(), liveBytes.sum(), allocations.sum(), frees.sum(), fallbacks.sum(),
                freeFailures.sum());
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
