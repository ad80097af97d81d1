package dev.jreclaim.agent.start;

import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;

import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import dev.jreclaim.instrumentation.api.SiteHook;
import java.lang.instrument.ClassFileTransformer;
import java.lang.instrument.IllegalClassFormatException;
import java.lang.instrument.Instrumentation;
import java.security.ProtectionDomain;
import java.util.ArrayList;
import java.util.List;
import net.bytebuddy.ByteBuddy;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.utility.JavaModule;

/**
 * The application modules' Byte Buddy transformers, built only when a class that may hold a site is first met
 * ({@link ApplicationTransformer}): every other start loads nothing of Byte Buddy for them. Each module gets the
 * builder the installer always gave it (no class format changes, the boot and platform loaders' classes and synthetic
 * classes ignored, a read edge to {@link SiteHook}), made into a raw transformer that {@link ApplicationTransformer}
 * calls, and which also says whether its result may be kept in the transform cache.
 */
final class ApplicationAdvice {
    /** How one class's transformation went, on the thread that transforms it. */
    private static final ThreadLocal<int[]> OUTCOME = ThreadLocal.withInitial(() -> new int[1]);
    private static final int NONE = 0;
    private static final int TRANSFORMED = 1;
    private static final int IGNORED = 2;
    private static final int FAILED = 3;

    private final List<ClassFileTransformer> transformers = new ArrayList<>();

    /** What the modules made of one class: the bytes (null: unchanged), and whether they may be cached. */
    record Result(byte[] bytes, boolean cacheable) {}

    ApplicationAdvice(Instrumentation inst, InstrumentationContext context, List<InstrumentationModule> modules,
            List<ApplicationTransformer.ModuleErrors> errors) {
        // Byte Buddy's safe mode keeps it off sun.misc.Unsafe, which JDK 24+ warns about on first use. The
        // relocated copy reads its relocated name (dev.jreclaim.shaded.bytebuddy.safe); a value the user set wins.
        String safe = ByteBuddy.class.getPackageName() + ".safe";
        if (System.getProperty(safe) == null) {
            System.setProperty(safe, "true");
        }
        ClassLoader platform = ClassLoader.getPlatformClassLoader();
        for (int i = 0; i < modules.size(); i++) {
            ApplicationTransformer.ModuleErrors moduleErrors = errors.get(i);
            AgentBuilder builder = new AgentBuilder.Default()
                    .disableClassFormatChanges()
                    .disableNativeMethodPrefix()
                    .with(InstrumentationInstaller.AgentClassFiles.LOCATION)
                    .with(new OutcomeListener(moduleErrors))
                    // The boot and platform loaders' classes by their loader alone, before Byte Buddy describes
                    // them; then synthetic classes.
                    .ignore((type, loader, module, redefined, domain) -> loader == null || loader == platform)
                    .or(isSynthetic())
                    // An advised class in a named module must read the boot loader's unnamed module, where SiteHook is.
                    .assureReadEdgeTo(inst, SiteHook.class);
            transformers.add(modules.get(i).instrument(builder, context).makeRaw());
        }
    }

    /** Every module's transformation of one class, in order. */
    Result transform(Module module, ClassLoader loader, String className, Class<?> redefined, ProtectionDomain domain,
            byte[] bytes) {
        byte[] current = bytes;
        boolean changed = false;
        boolean cacheable = true;
        int[] outcome = OUTCOME.get();
        for (ClassFileTransformer t : transformers) {
            outcome[0] = NONE;
            byte[] out;
            try {
                out = t.transform(module, loader, className, redefined, domain, current);
            } catch (IllegalClassFormatException e) {
                out = null;
                outcome[0] = FAILED;
            }
            if (out != null) {
                current = out;
                changed = true;
            }
            cacheable &= outcome[0] == TRANSFORMED && out != null || outcome[0] == IGNORED && out == null;
        }
        return new Result(changed ? current : null, cacheable);
    }

    /** Byte Buddy's listener: the outcome for the cache, and errors to the module's {@link ApplicationTransformer.ModuleErrors}. */
    private static final class OutcomeListener extends AgentBuilder.Listener.Adapter {
        private final ApplicationTransformer.ModuleErrors errors;

        OutcomeListener(ApplicationTransformer.ModuleErrors errors) {
            this.errors = errors;
        }

        @Override
        public void onTransformation(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded,
                DynamicType dynamicType) {
            OUTCOME.get()[0] = TRANSFORMED;
        }

        @Override
        public void onIgnored(TypeDescription type, ClassLoader loader, JavaModule module, boolean loaded) {
            OUTCOME.get()[0] = IGNORED;
        }

        @Override
        public void onError(String typeName, ClassLoader loader, JavaModule module, boolean loaded, Throwable error) {
            OUTCOME.get()[0] = FAILED;
            errors.error(typeName, error);
        }
    }
}
