package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.config.ConfigKeys;
import dev.jreclaim.agent.linux.Errno;
import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.NativeCallException;
import dev.jreclaim.agent.log.AgentLog;
import dev.jreclaim.agent.range.RangeMemory;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.agent.rules.ActiveRule;
import dev.jreclaim.agent.rules.AllocationPolicy;
import dev.jreclaim.agent.rules.RangeUse;
import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.MemoryPins;
import dev.jreclaim.instrumentation.api.PinHook;
import dev.jreclaim.instrumentation.api.PurgedMemoryError;
import dev.jreclaim.instrumentation.api.ReclaimableMemory;
import dev.jreclaim.instrumentation.api.FileReadListener;
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
public final class ReclaimRuntime implements ReclaimableMemory, MemoryPins {
    private static volatile ReclaimRuntime current;

    private final RangeRegistry registry;
    /** A full userfaultfd: the kernel's own access to a purged page is served (no pin needed but for POISON). */
    private final boolean kernelAccessServed;
    private final AllocationPolicy policy;
    private final long pageMask = Libc.pageSize() - 1;
    private final LongAdder allocations = new LongAdder();
    private final LongAdder frees = new LongAdder();
    private final LongAdder fallbacks = new LongAdder();
    private final FileReads fileReads = new FileReads();
    private final LongAdder freeFailures = new LongAdder();
    private final LongAdder pins = new LongAdder();
    private final LongAdder pinFailures = new LongAdder();
    private final LongAdder purgedRefusals = new LongAdder();
    private volatile Throwable lastFailure;

    /** A live range and the rule it was made for (per-rule figures, purge by rule). */
    public record AgentRange(VolatileRange range, ActiveRule rule) {}

    /** Totals since start: live ranges and their mapped bytes; allocations taken, freed, and left to the JDK after a failure. */
    public record Totals(long liveRanges, long liveBytes, long allocations, long frees, long fallbacks, long freeFailures) {}

    /**
     * Pins around native access since start: taken; failed (the call went ahead unpinned, as without the agent);
     * refused because an {@code on-purge=throw} buffer had lost pages (the application got an exception).
     */
    public record Pins(long pins, long failures, long purgedRefusals) {}

    public ReclaimRuntime(RangeRegistry registry, AllocationPolicy policy) {
        this.registry = registry;
        this.kernelAccessServed = registry.mode().servesKernelAccess();
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
        return allocate(kind, size, size);
    }

    /** The rule is chosen by the size asked for; the range has the size the JDK allocates. */
    @Override
    public long allocate(AllocationKind kind, long size, long requested) {
        ActiveRule rule;
        try {
            rule = policy.ruleFor(kind, requested);
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
            PinHook.cover(r.address(), r.address() + r.byteSize()); // before the JDK can hand it to native code
            allocations.increment();
            if (rule.purge().fallback() != null) {
                r.fallBackTo(rule.purge().fallback()); // a chunk whose snapshot does not pay: zeros, not plain memory
            }
            if (rule.purge().fromFiles()) {
                if (rule.fileHash() || rule.purge().fileThenSnapshot() || rule.purge().fileThrow()) {
                    r.setFilePolicy(rule.fileHash(), rule.purge().fileThenSnapshot(), rule.purge().fileThrow());
                }
                fileReads.add(r); // rebuild:file: JDK reads into it record where its pages came from
            }
            try {
                policy.taken(use, r); // its mark mode starts
            } catch (Throwable t) { // the range stays LOCKED: plain memory in effect
                lastFailure = t;
            }
            return r.address();
        } catch (Throwable t) { // range table full, mappings or memory refused, service closed: the JDK's malloc instead
            fail(t);
            warnExhausted(t, size);
            return 0;
        } finally {
            policy.endAgentWork();
        }
    }

    /**
     * One WARN a minute per reason (docs/fault-path.md, "When slots, mappings or memory run out"): the
     * allocation works, as plain JDK memory, and the application never sees the failure.
     */
    private void warnExhausted(Throwable t, long size) {
        if (!(t instanceof NativeCallException e)) {
            return;
        }
        try {
            switch (e.errno()) {
                case Errno.ENOSPC -> AgentLog.warnLimited("range-table-full", "the range table is full ("
                        + registry.options().capacity() + " live ranges, " + ConfigKeys.SERVICE_CAPACITY
                        + "): an allocation of " + size + " bytes is plain JDK memory, not reclaimable; raise "
                        + ConfigKeys.SERVICE_CAPACITY + " if the application keeps that many buffers");
                case Errno.EMFILE -> {
                    RangeMemory m = registry.memory();
                    AgentLog.warnLimited("mapping-budget", "the process holds about " + m.mappings()
                            + " memory mappings, near vm.max_map_count (" + m.maxMapCount() + "): the agent makes no"
                            + " mapping past " + m.mappingLimit() + " and keeps the rest for the JVM, so an allocation of "
                            + size + " bytes is plain JDK memory, not reclaimable");
                }
                case Errno.ENOMEM -> AgentLog.warnLimited("mapping-enomem", "the kernel refused the agent a mapping"
                        + " (mmap: ENOMEM): an allocation of " + size + " bytes is plain JDK memory, not reclaimable");
                default -> { }
            }
        } catch (Throwable ignored) { // never into the JDK's allocation path
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
            fileReads.remove(r);
            policy.freeing(r);
            r.free();
        } catch (Throwable t) { // never into the JDK's cleaner; the mapping may leak, counted
            freeFailures.increment();
            lastFailure = t;
        }
        return true;
    }

    /**
     * Before the JDK hands {@code [address, address+length)} to a system call or native code (module
     * instrumentation/native-io through {@link PinHook}): pins it if it lies in one of the agent's ranges. Does
     * no NIO, zip or logging: it runs inside the guarded JDK methods.
     *
     * @return the range (the token for {@link #unpin}), or null: not the agent's, or the pin failed (counted)
     * @throws PurgedMemoryError an {@code on-purge=throw} range lost pages of the span
     */
    @Override
    public Object pin(long address, long length) {
        VolatileRange r;
        long offset;
        try {
            r = registry.holding(address);
            if (r == null || (kernelAccessServed && r.source().rebuildsOnTouch() && !r.losesPages())) {
                // Not the agent's; or a full userfaultfd serves the kernel's own access to a purged page and
                // the page comes back rebuilt: nothing to guard. A pin would dirty every page of the span, and a
                // buffer written to a socket on every hit (a content cache) would stay unreclaimable.
                return null;
            }
            offset = address - r.address();
            if (r.pin(offset, Math.min(length, r.byteSize() - offset))) {
                pins.increment();
                return r;
            }
        } catch (Throwable t) { // never into the JDK's I/O: it goes ahead as it would without the agent
            pinFailures.increment();
            lastFailure = t;
            return null;
        }
        purgedRefusals.increment();
        throw new PurgedMemoryError(purgedMessage(r, address, length));
    }

    private static String purgedMessage(VolatileRange r, long address, long length) {
        long ps = Libc.pageSize();
        long a = address & -ps, end = Math.min(address + length, r.address() + r.byteSize());
        long b = (end + ps - 1) & -ps;
        long lost;
        try {
            lost = (b - a) / ps - Libc.residentPages(a, b - a, r.toString());
        } catch (RuntimeException e) {
            lost = -1;
        }
        String rule = r.attachment() instanceof RangeUse u ? "rule '" + u.rule().rule().id() + "'" : "no rule";
        return "jreclaim: purged memory: [0x" + Long.toHexString(address) + "+" + length + ") of " + r + " (" + rule
                + ", on-purge=throw) lost " + (lost < 0 ? "some" : Long.toString(lost)) + " of its " + (b - a) / ps
                + " pages to the kernel since its last mark; nothing was read or written. Its lost pages stay lost:"
                + " every later access to them throws; drop the buffer (docs/fault-path.md, \"Pinning around native"
                + " access\")";
    }

    @Override
    public void unpin(Object token) {
        try {
            ((VolatileRange) token).unpin();
        } catch (Throwable t) {
            pinFailures.increment();
            lastFailure = t;
        }
    }

    public Pins pins() {
        return new Pins(pins.sum(), pinFailures.sum(), purgedRefusals.sum());
    }

    /** What the advice on JDK file reads reports to (FileReadHook). */
    public FileReadListener fileReads() {
        return fileReads;
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
