package dev.jreclaim.instrumentation.api;

import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * One instrumented JDK allocation path: which classes to load before Byte Buddy installs, the
 * transformation, and a way to run the path once so that the agent can check every substitution is in
 * place before it hands out memory.
 */
public interface JdkInstrumentation {

    /** What is instrumented, for the agent's start-up line ("DirectByteBuffer"). */
    String name();

    /**
     * Classes to load before {@code installOn}. A class first loaded while Byte Buddy transforms another
     * one is skipped by its recursion guard and stays untransformed; if that class frees memory, the
     * agent's memory would reach {@code free(3)} and crash the JVM.
     */
    List<String> preload();

    /** Adds this path's transformations. */
    AgentBuilder instrument(AgentBuilder builder);

    /**
     * Runs the instrumented path once on the calling thread: allocates, then frees, through every
     * substituted call.
     *
     * @return how many allocations, zeroings and frees the substituted calls should have seen
     */
    Exercise exercise();

    /** What {@link #exercise()} did, as the substituted calls count it. */
    record Exercise(AllocationKind kind, int allocations, int zeroings, int frees) {}
}
