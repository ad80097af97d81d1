package dev.jreclaim.instrumentation.api;

import java.util.List;
import net.bytebuddy.agent.builder.AgentBuilder;

/**
 * One instrumented target (a JDK allocation path, the application's site methods). The agent finds every
 * module through {@link java.util.ServiceLoader}: each module names its implementation in
 * {@code META-INF/services/dev.jreclaim.instrumentation.api.InstrumentationModule}, the agent jar merges
 * those files, and the agent's one installer installs whatever it finds. No module is listed by hand.
 * Implementations need a public no-argument constructor and must do nothing in it.
 */
public interface InstrumentationModule {

    /** Where a module's transformations go, which decides how the installer configures and checks them. */
    enum Target {
        /**
         * Calls inside the JDK replaced by static methods ({@link #substitutions()}): installed first, in
         * exactly the named classes. Each must pass {@link #exercise()} before the agent hands out memory;
         * any problem keeps the agent off.
         */
        JDK,
        /**
         * Advice in classes of the application's loaders (never the boot or platform loader's, never synthetic
         * classes), which calls {@link SiteHook}: installed once the JDK modules are verified. A class that
         * cannot be transformed keeps its methods unadvised; the start-up line says so.
         */
        APPLICATION
    }

    /** What is instrumented, for the agent's start-up line ("DirectByteBuffer"). */
    String name();

    Target target();

    /**
     * Whether this start has anything for the module to do: the site advice only when a rule names a site, a
     * JDK allocation path only when a rule covers its {@link AllocationKind}.
     */
    default boolean appliesTo(InstrumentationContext context) {
        return true;
    }

    /**
     * Classes to load before {@code installOn}. A class first loaded while Byte Buddy transforms another
     * one is skipped by its recursion guard and stays untransformed; if that class frees memory, the
     * agent's memory would reach {@code free(3)} and crash the JVM.
     */
    default List<String> preload() {
        return List.of();
    }

    /**
     * For a {@link Target#APPLICATION} module: adds its transformations to a builder the installer configured.
     * A {@link Target#JDK} module gives {@link #substitutions()} instead and leaves the builder as it is.
     */
    default AgentBuilder instrument(AgentBuilder builder, InstrumentationContext context) {
        return builder;
    }

    /** For a {@link Target#JDK} module: the calls it replaces, in the classes {@link #preload()} loads. */
    default List<CallSubstitution> substitutions() {
        return List.of();
    }

    /**
     * For a {@link Target#JDK} module: runs the instrumented path once on the calling thread (allocates,
     * then frees, through every substituted call). An {@link Target#APPLICATION} module substitutes nothing
     * and returns null; a JDK module that returns null cannot be verified, and keeps the agent off.
     *
     * @return how many allocations, zeroings and frees the substituted calls should have seen
     */
    Exercise exercise();

    /** What {@link #exercise()} did, as the substituted calls count it. */
    record Exercise(AllocationKind kind, int allocations, int zeroings, int frees) {}
}
