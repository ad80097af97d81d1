package dev.jreclaim.agent.start;

import dev.jreclaim.agent.log.AgentLog;
import dev.jreclaim.agent.start.cache.TransformCache;
import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import dev.jreclaim.instrumentation.api.SiteTable;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;

/**
 * The one transformer of the application modules (docs/agent.md, "The transform cache"). Every class the JVM loads first
 * passes a check that needs nothing of Byte Buddy: its loader is an application's (not the boot or platform
 * loader), and the site table may name it ({@link SiteTable#mayHaveSites}, by name; the JDK's and the agent's own
 * classes never). Only such a class is transformed: from the transform cache when it holds this class's result for
 * the same build and rules, else by the modules' Byte Buddy transformers ({@link ApplicationAdvice}), built the first
 * time one is needed, whose result is then stored. A start whose site classes are all cached loads no Byte Buddy.
 *
 * <p>A cached result embeds the site ids of the class's methods; a hit replays the site table's answers for those
 * methods (which assigns the ids as the transformation would have) and is taken only when every id is the one the
 * entry holds. Classes of named modules are never cached: Byte Buddy also gives them a read edge to SiteHook.
 */
final class ApplicationTransformer implements ClassFileTransformer {
    private static final String KIND = "site";

    private final Instrumentation inst;
    private final InstrumentationContext context;
    private final SiteTable sites;
    private final List<InstrumentationModule> modules;
    private final List<ModuleErrors> errors = new ArrayList<>();
    private final TransformCache cache;
    private final String shape;
    private final RecordingSites recording;
    private final ClassLoader platform = ClassLoader.getPlatformClassLoader();
    private volatile ApplicationAdvice advice;

    /** @param cache null: every class is transformed by Byte Buddy */
    ApplicationTransformer(Instrumentation inst, InstrumentationContext context, List<InstrumentationModule> modules,
            TransformCache cache) {
        this.inst = inst;
        this.sites = context.sites();
        this.recording = new RecordingSites(sites);
        this.context = new InstrumentationContext(context.instrumentation(), recording, context.siteListener(),
                context.kinds(), context.pins(), context.fileReads());
        this.modules = List.copyOf(modules);
        modules.forEach(m -> errors.add(new ModuleErrors(m.name())));
        this.cache = cache;
        this.shape = String.join(",", modules.stream().map(InstrumentationModule::name).toList());
    }

    List<ModuleErrors> errors() {
        return errors;
    }

    /** Whether Byte Buddy was needed (for the debug line). */
    boolean byteBuddyLoaded() {
        return advice != null;
    }

    /** The loaded classes of the application's loaders that the site table may name. */
    Class<?>[] candidates() {
        List<Class<?>> found = new ArrayList<>();
        for (Class<?> c : inst.getAllLoadedClasses()) {
            ClassLoader loader = c.getClassLoader();
            if (loader != null && loader != platform && !c.isArray() && !c.isHidden() && inst.isModifiableClass(c)
                    && may(c.getName())) {
                found.add(c);
            }
        }
        return found.toArray(Class<?>[]::new);
    }

    private boolean may(String name) {
        return !SiteTable.neverSite(name) && sites.mayHaveSites(name);
    }

    @Override
    public byte[] transform(Module module, ClassLoader loader, String className, Class<?> redefined,
            ProtectionDomain domain, byte[] bytes) {
        if (loader == null || loader == platform || className == null) {
            return null;
        }
        String name = className.replace('/', '.');
        if (!may(name)) {
            return null;
        }
        boolean cacheable = cache != null && (module == null || !module.isNamed());
        String key = shape + (redefined != null ? "; loaded" : "");
        if (cacheable) {
            TransformCache.Entry e = cache.find(KIND, key, name, bytes);
            if (e != null && replays(name, e.facts())) {
                return e.transformed();
            }
        }
        recording.start();
        try {
            ApplicationAdvice.Result r = advice().transform(module, loader, className, redefined, domain, bytes);
            if (cacheable && r.cacheable()) {
                cache.store(KIND, key, name, bytes, r.bytes(), recording.answers());
            }
            return r.bytes();
        } finally {
            recording.stop();
        }
    }

    /** Asks the site table what the transformation asked; true when every answer is the one the entry holds. */
    private boolean replays(String className, List<String> facts) {
        for (String f : facts) {
            int eq = f.lastIndexOf('=');
            if (eq < 0 || sites.siteOf(className, f.substring(0, eq)) != Integer.parseInt(f.substring(eq + 1))) {
                AgentLog.debug("transform cache: the site ids of " + className + " changed; transforming");
                return false;
            }
        }
        return true;
    }

    private ApplicationAdvice advice() {
        ApplicationAdvice a = advice;
        if (a == null) {
            synchronized (this) {
                a = advice;
                if (a == null) {
                    long start = System.nanoTime();
                    a = new ApplicationAdvice(inst, context, modules, errors);
                    advice = a;
                    AgentLog.debug("Byte Buddy set up for the application modules in "
                            + Math.round((System.nanoTime() - start) / 1e6) + " ms");
                }
            }
        }
        return a;
    }

    /**
     * Per application module: the errors seen while the agent installs, for the start-up line; once that is written
     * ({@link #reportFromNowOn}), an error on a class loaded later is a line of its own naming the class.
     */
    static final class ModuleErrors {
        private final String module;
        private final List<String> problems = new ArrayList<>();
        private boolean late;

        ModuleErrors(String module) {
            this.module = module;
        }

        void error(String typeName, Throwable error) {
            synchronized (problems) {
                if (!late) {
                    problems.add("cannot transform " + typeName + ": " + error);
                    return;
                }
            }
            AgentLog.warn(module + ": cannot transform " + typeName + ", loaded after the agent started: " + error
                    + "; its methods run unadvised");
        }

        void add(String problem) {
            synchronized (problems) {
                problems.add(problem);
            }
        }

        /** The errors so far; later ones are logged. */
        List<String> reportFromNowOn() {
            synchronized (problems) {
                late = true;
                return List.copyOf(problems);
            }
        }
    }

    /**
     * The site table the modules see: answers as the agent's, and records, on the thread that transforms a class,
     * each method asked about and its answer, in order (the facts of a cache entry).
     */
    private static final class RecordingSites implements SiteTable {
        private final SiteTable table;
        private final ThreadLocal<List<String>> answers = new ThreadLocal<>();

        RecordingSites(SiteTable table) {
            this.table = table;
        }

        void start() {
            answers.set(new ArrayList<>());
        }

        void stop() {
            answers.remove();
        }

        List<String> answers() {
            List<String> a = answers.get();
            return a == null ? List.of() : List.copyOf(a);
        }

        @Override
        public boolean mayHaveSites(String className) {
            return table.mayHaveSites(className);
        }

        @Override
        public int siteOf(String className, String methodName) {
            int id = table.siteOf(className, methodName);
            List<String> a = answers.get();
            if (a != null) {
                String fact = methodName + "=" + id;
                if (!a.contains(fact)) {
                    a.add(fact);
                }
            }
            return id;
        }

        @Override
        public String toString() {
            return table.toString();
        }
    }
}
