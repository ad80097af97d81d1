package dev.jreclaim.agent.start;

import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import dev.jreclaim.instrumentation.api.InstrumentationModule.Exercise;
import dev.jreclaim.instrumentation.api.MemoryHook;
import dev.jreclaim.instrumentation.api.ReclaimableMemory;
import java.util.ArrayList;
import java.util.List;

/**
 * Checks that every substituted call is in place before the agent hands out memory: while it is the
 * hook, it counts what the calling thread's substituted calls ask, and answers "plain memory" to all
 * (other threads get plain memory too). An allocation substituted without its free would give mmap'd
 * memory to {@code free(3)}.
 */
final class SubstitutionProbe implements ReclaimableMemory {
    private final Thread prober = Thread.currentThread();
    private final int[] allocations = new int[AllocationKind.values().length];
    private int zeroings;
    private int frees;

    private SubstitutionProbe() {}

    /** Runs each instrumentation's path once; returns one problem per path that did not reach every substitution. */
    static List<String> verify(List<InstrumentationModule> all) {
        List<String> problems = new ArrayList<>();
        ReclaimableMemory before = MemoryHook.memory();
        for (InstrumentationModule j : all) {
            SubstitutionProbe probe = new SubstitutionProbe();
            Exercise expected;
            MemoryHook.install(probe);
            try {
                expected = j.exercise();
            } catch (Throwable t) {
                problems.add(j.name() + ": running it failed: " + t);
                continue;
            } finally {
                MemoryHook.install(before);
            }
            if (expected == null) {
                problems.add(j.name() + " substitutes JDK calls but cannot be checked (no exercise)");
                continue;
            }
            Exercise seen = probe.seen(expected.kind());
            if (!seen.equals(expected) || probe.allocationsOfOtherKinds(expected.kind()) != 0) {
                problems.add(j.name() + " is not fully instrumented: its substituted calls saw " + probe.describe()
                        + ", expected " + expected);
            }
        }
        return problems;
    }

    private Exercise seen(AllocationKind kind) {
        return new Exercise(kind, allocations[kind.ordinal()], zeroings, frees);
    }

    private int allocationsOfOtherKinds(AllocationKind kind) {
        int n = 0;
        for (AllocationKind k : AllocationKind.values()) {
            n += k == kind ? 0 : allocations[k.ordinal()];
        }
        return n;
    }

    private String describe() {
        StringBuilder s = new StringBuilder();
        for (AllocationKind k : AllocationKind.values()) {
            s.append(allocations[k.ordinal()]).append(' ').append(k).append(" allocations, ");
        }
        return s.append(zeroings).append(" zeroings, ").append(frees).append(" frees").toString();
    }

    @Override
    public long allocate(AllocationKind kind, long size) {
        if (Thread.currentThread() == prober) {
            allocations[kind.ordinal()]++;
        }
        return 0;
    }

    @Override
    public boolean owns(long address) {
        if (Thread.currentThread() == prober) {
            zeroings++;
        }
        return false;
    }

    @Override
    public boolean free(long address) {
        if (Thread.currentThread() == prober) {
            frees++;
        }
        return false;
    }
}
