package dev.jreclaim.agent.start;

import static net.bytebuddy.matcher.ElementMatchers.none;

import dev.jreclaim.instrumentation.api.JdkInstrumentation;
import dev.jreclaim.instrumentation.sitescope.SiteInstrumentation;
import dev.jreclaim.instrumentation.api.SiteTable;
import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.AgentBuilder.RedefinitionStrategy;
import net.bytebuddy.utility.JavaModule;

/**
 * Installs the JDK instrumentations with Byte Buddy, by the recipe measured on JDK 25: retransformation
 * without class format changes (classes already loaded, java.base among them), nothing ignored, the
 * freeing classes loaded first, and java.base allowed to link to the replacement methods.
 */
final class InstrumentationInstaller {
    private InstrumentationInstaller() {}

    /**
     * @return problems; empty when every transformation was applied without error. On a problem the
     *         transformations that did apply stay in place, harmless while the hook answers "plain memory".
     */
    static List<String> install(Instrumentation inst, List<JdkInstrumentation> all) {
        // The replacement methods live in the boot loader's unnamed module (the agent jar is on the boot
        // class path) and take jdk.internal.misc.Unsafe: java.base must read that module and export the
        // package to it, or the substituted call sites fail to link (IllegalAccessError).
        Module agent = InstrumentationInstaller.class.getModule();
        inst.redefineModule(Object.class.getModule(), Set.of(agent), Map.of("jdk.internal.misc", Set.of(agent)),
                Map.of(), Set.of(), Map.of());
        List<String> problems = new ArrayList<>();
        for (JdkInstrumentation j : all) {
            for (String name : j.preload()) {
                try {
                    Class.forName(name, false, null);
                } catch (ClassNotFoundException e) {
                    problems.add(j.name() + ": cannot load " + name + " before installing");
                }
            }
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        // Byte Buddy's safe mode keeps it off sun.misc.Unsafe, which JDK 24+ warns about on first use. The
        // relocated copy reads its relocated name (dev.jreclaim.shaded.bytebuddy.safe); a value the user set wins.
        String safe = ByteBuddy.class.getPackageName() + ".safe";
        if (System.getProperty(safe) == null) {
            System.setProperty(safe, "true");
        }
        AgentBuilder builder = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(RedefinitionStrategy.RETRANSFORMATION)
                .with(RedefinitionStrategy.Listener.ErrorEscalating.FAIL_LAST)
                .with(new ErrorListener(problems))
                .ignore(none());
        for (JdkInstrumentation j : all) {
            builder = j.instrument(builder);
        }
        try {
            builder.installOn(inst);
        } catch (RuntimeException e) {
            problems.add("retransformation failed: " + e);
        }
        return problems;
    }

    /**
     * Installs the advice on the rules' site methods; classes already loaded (before premain, or before a late
     * attach) are retransformed now, later ones as they load.
     *
     * @return the errors seen while installing (a class that cannot be transformed keeps its sites untracked)
     */
    static List<String> installSites(Instrumentation inst, SiteTable table) {
        List<String> problems = new ArrayList<>();
        try {
            SiteInstrumentation.builder(inst, table, new ErrorListener(problems)).installOn(inst);
        } catch (RuntimeException e) {
            problems.add("site retransformation failed: " + e);
        }
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    /** Collects Byte Buddy's errors, which it otherwise drops. */
    private static final class ErrorListener extends AgentBuilder.Listener.Adapter {
        private final List<String> problems;

        ErrorListener(List<String> problems) {
            this.problems = problems;
        }

        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
            synchronized (problems) {
                problems.add("cannot transform " + typeName + ": " + error);
            }
        }
    }
}
