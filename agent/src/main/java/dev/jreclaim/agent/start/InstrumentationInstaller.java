package dev.jreclaim.agent.start;

import dev.jreclaim.agent.log.AgentLog;
import dev.jreclaim.agent.start.cache.TransformCache;
import dev.jreclaim.instrumentation.api.CallSubstitution;
import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import dev.jreclaim.instrumentation.api.InstrumentationModule.Target;
import dev.jreclaim.instrumentation.api.SiteHook;
import java.lang.instrument.Instrumentation;
import java.lang.instrument.UnmodifiableClassException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.Set;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.agent.builder.AgentBuilder.RedefinitionStrategy;
import net.bytebuddy.utility.JavaModule;

/**
 * Finds every {@link InstrumentationModule} and installs those this start needs ({@code appliesTo}). The
 * JDK's call substitutions first, by a plain transformer of the classes they name ({@link JdkSubstitutions};
 * the freeing classes loaded first; java.base allowed to link to the replacement methods), then checked by
 * {@link SubstitutionProbe}; only then the application's, through one {@link ApplicationTransformer} that builds
 * their Byte Buddy transformers only when a class that may hold a site is not in the transform cache (a holder
 * class per Byte Buddy constant: loading this class loads nothing of Byte Buddy).
 */
final class InstrumentationInstaller {
    private InstrumentationInstaller() {}

    /**
     * Where Byte Buddy reads class files while transforming: the transformed class's loader, then the system
     * class path. The second is for the agent's own classes (the replacement methods, the advice) after a late
     * attach: the jar was appended to the boot loader's search, which finds classes but not their class files
     * as resources; the attach put the jar on the system class path too. A holder: built on first use.
     */
    static final class AgentClassFiles {
        static final AgentBuilder.LocationStrategy LOCATION = AgentBuilder.LocationStrategy.ForClassLoader.STRONG
                .withFallbackTo(net.bytebuddy.dynamic.ClassFileLocator.ForClassLoader.ofSystemLoader());
    }

    /**
     * What was installed.
     *
     * @param problems  why the agent must stay off (a JDK module not installed or not verified); empty when
     *                  every JDK substitution is in place. The transformations that did apply stay, harmless
     *                  while the hook answers "plain memory"
     * @param installed for the start-up line, per installed module in order: its name, and the classes it
     *                  could not transform, if any
     */
    record Result(List<String> problems, List<String> installed) {}

    /**
     * The modules the agent jar holds, through {@link ServiceLoader}, JDK modules first, then by name. The
     * system class loader is asked: the boot loader answers for resources of the boot class path only as it
     * was at JVM start, so a late-attached jar's service file is found through the system class path, where
     * the attach mechanism put the jar too (at start both have it; ServiceLoader names each provider once).
     * Only providers defined by the api's own loader (the boot loader, in the agent) are taken: a service file
     * on the application's class path cannot add a module.
     */
    static List<InstrumentationModule> modules() {
        ClassLoader own = InstrumentationModule.class.getClassLoader();
        List<InstrumentationModule> all = new ArrayList<>(ServiceLoader
                .load(InstrumentationModule.class, ClassLoader.getSystemClassLoader()).stream()
                .filter(p -> p.type().getClassLoader() == own)
                .map(ServiceLoader.Provider::get)
                .toList());
        // Installation order: the JDK's substitutions, the guards, then the application's advice.
        all.sort(Comparator.comparing((InstrumentationModule m) -> m.target() == Target.APPLICATION)
                .thenComparing(InstrumentationModule::target).thenComparing(InstrumentationModule::name));
        return all;
    }

    static Result install(InstrumentationContext context, TransformCache cache, StartClock clock) {
        List<InstrumentationModule> all;
        try {
            all = modules();
        } catch (ServiceConfigurationError e) {
            return new Result(List.of("cannot load the instrumentation modules: " + e), List.of());
        }
        if (all.stream().noneMatch(m -> m.target() == Target.JDK)) {
            return new Result(List.of("no JDK instrumentation module found (META-INF/services/"
                    + InstrumentationModule.class.getName() + ")"), List.of());
        }
        // Only what the rules need: no rule covering arenas, no arena instrumentation.
        List<InstrumentationModule> jdk = all.stream()
                .filter(m -> m.target() == Target.JDK && m.appliesTo(context)).toList();
        List<String> problems = installJdk(context, jdk, cache, clock);
        clock.step("JDK retransformation");
        if (problems.isEmpty()) {
            problems = SubstitutionProbe.verify(jdk);
            clock.step("substitution probe");
        }
        // Guards only where they guard: none with a full userfaultfd and rebuilding rules (RuleSet.needsPins).
        List<InstrumentationModule> guards = all.stream()
                .filter(m -> m.target() == Target.GUARD && m.appliesTo(context)).toList();
        if (problems.isEmpty() && !guards.isEmpty()) {
            problems = installGuards(context, guards);
            clock.step("native access guards");
        }
        if (!problems.isEmpty()) {
            return new Result(problems, List.of());
        }
        List<String> installed = new ArrayList<>(jdk.stream().map(InstrumentationModule::name).toList());
        guards.forEach(g -> installed.add(g.name()));
        List<InstrumentationModule> application = all.stream()
                .filter(m -> m.target() == Target.APPLICATION && m.appliesTo(context)).toList();
        if (!application.isEmpty()) {
            SiteHook.install(context.siteListener()); // before the advice: an entry it reports is never missed
            List<List<String>> errors = installApplication(context, application, cache);
            for (int i = 0; i < application.size(); i++) {
                InstrumentationModule m = application.get(i);
                List<String> e = errors.get(i);
                installed.add(e.isEmpty() ? m.name()
                        : m.name() + " (not in " + e.size() + " classes: " + e.getFirst() + ")");
            }
            clock.step("application advice");
        }
        return new Result(List.of(), List.copyOf(installed));
    }

    /**
     * Replaces the JDK calls by a plain transformer of exactly the named classes ({@link JdkSubstitutions}):
     * no type matching, no type pool, nothing of Byte Buddy loaded.
     *
     * @return problems; empty when every substitution was applied
     */
    private static List<String> installJdk(InstrumentationContext context, List<InstrumentationModule> jdk,
            TransformCache cache, StartClock clock) {
        Instrumentation inst = context.instrumentation();
        if (jdk.isEmpty()) {
            return List.of();
        }
        // The replacement methods live in the boot loader's unnamed module (the agent jar is on the boot
        // class path) and take jdk.internal.misc.Unsafe: java.base must read that module and export the
        // package to it, or the substituted call sites fail to link (IllegalAccessError).
        Module agent = InstrumentationInstaller.class.getModule();
        inst.redefineModule(Object.class.getModule(), Set.of(agent), Map.of("jdk.internal.misc", Set.of(agent)),
                Map.of(), Set.of(), Map.of());
        List<String> problems = new ArrayList<>();
        List<CallSubstitution> substitutions = new ArrayList<>();
        for (InstrumentationModule m : jdk) {
            for (String name : m.preload()) {
                try {
                    Class.forName(name, false, null);
                } catch (ClassNotFoundException e) {
                    problems.add(m.name() + ": cannot load " + name + " before installing");
                }
            }
            substitutions.addAll(m.substitutions());
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        clock.step("JDK preload");
        JdkSubstitutions transformer = new JdkSubstitutions(substitutions, cache);
        List<Class<?>> targets = new ArrayList<>();
        for (String name : transformer.classNames()) {
            try {
                targets.add(Class.forName(name, false, null));
            } catch (ClassNotFoundException e) {
                problems.add("cannot load " + name + ", whose calls are substituted");
            }
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        inst.addTransformer(transformer, true);
        clock.step("JDK targets");
        try {
            inst.retransformClasses(targets.toArray(Class<?>[]::new));
        } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
            problems.add("retransformation failed: " + e);
        }
        problems.addAll(transformer.problems());
        return problems;
    }

    /**
     * Installs the guards' advice on JDK classes with Byte Buddy (retransformation without class format changes,
     * nothing ignored), then checks that every class a guard names was transformed: a guard that is not in
     * place would let native code meet a purged page.
     *
     * @return problems; empty when every guarded class was transformed
     */
    private static List<String> installGuards(InstrumentationContext context, List<InstrumentationModule> guards) {
        Instrumentation inst = context.instrumentation();
        List<String> problems = new ArrayList<>();
        for (InstrumentationModule m : guards) {
            for (String name : m.preload()) {
                try {
                    Class.forName(name, false, null);
                } catch (ClassNotFoundException e) {
                    problems.add(m.name() + ": cannot load " + name + " before installing");
                }
            }
        }
        if (!problems.isEmpty()) {
            return problems;
        }
        String safe = ByteBuddy.class.getPackageName() + ".safe";
        if (System.getProperty(safe) == null) {
            System.setProperty(safe, "true");
        }
        Set<String> transformed = java.util.concurrent.ConcurrentHashMap.newKeySet();
        AgentBuilder builder = new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentClassFiles.LOCATION)
                .with(RedefinitionStrategy.RETRANSFORMATION)
                .with(RedefinitionStrategy.Listener.ErrorEscalating.FAIL_LAST)
                .with(new ErrorListener(problems))
                .with(new AgentBuilder.Listener.Adapter() {
                    @Override
                    public void onTransformation(net.bytebuddy.description.type.TypeDescription type,
                            ClassLoader loader, JavaModule module, boolean loaded,
                            net.bytebuddy.dynamic.DynamicType dynamicType) {
                        transformed.add(type.getName());
                    }
                })
                .ignore(net.bytebuddy.matcher.ElementMatchers.none());
        for (InstrumentationModule m : guards) {
            builder = m.instrument(builder, context);
        }
        try {
            builder.installOn(inst);
        } catch (RuntimeException e) {
            problems.add("retransformation failed: " + e);
        }
        for (InstrumentationModule g : guards) {
            for (String c : g.preload()) {
                if (problems.isEmpty() && !transformed.contains(c)) {
                    problems.add(g.name() + ": " + c + " was not instrumented");
                }
            }
        }
        synchronized (problems) {
            return List.copyOf(problems);
        }
    }

    /**
     * Installs the application modules' one transformer ({@link ApplicationTransformer}: Byte Buddy only for a class
     * that may hold a site and is not in the transform cache); classes already loaded (before premain, or before a
     * late attach) that the site table may name are retransformed now, later ones as they load.
     *
     * @return per module, the errors seen while installing (a class that cannot be transformed keeps its methods
     *         unadvised)
     */
    private static List<List<String>> installApplication(InstrumentationContext context,
            List<InstrumentationModule> modules, TransformCache cache) {
        Instrumentation inst = context.instrumentation();
        ApplicationTransformer transformer = new ApplicationTransformer(inst, context, modules, cache);
        inst.addTransformer(transformer, true);
        Class<?>[] loaded = transformer.candidates();
        if (loaded.length > 0) {
            try {
                inst.retransformClasses(loaded);
            } catch (UnmodifiableClassException | RuntimeException | LinkageError e) {
                transformer.errors().forEach(m -> m.add("retransformation failed: " + e));
            }
        }
        AgentLog.debug("application modules: " + loaded.length + " loaded classes retransformed, Byte Buddy "
                + (transformer.byteBuddyLoaded() ? "loaded" : "not loaded") + (cache == null ? ", no transform cache"
                        : ", transform cache " + cache.describe()));
        return transformer.errors().stream().map(ApplicationTransformer.ModuleErrors::reportFromNowOn).toList();
    }

    /** Collects Byte Buddy's errors on the guards, which it otherwise drops, for the start-up line. */
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
