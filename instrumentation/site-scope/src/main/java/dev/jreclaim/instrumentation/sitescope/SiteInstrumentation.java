package dev.jreclaim.instrumentation.sitescope;

import static net.bytebuddy.matcher.ElementMatchers.isBootstrapClassLoader;
import static net.bytebuddy.matcher.ElementMatchers.isExtensionClassLoader;
import static net.bytebuddy.matcher.ElementMatchers.isSynthetic;

import dev.jreclaim.instrumentation.api.SiteHook;
import dev.jreclaim.instrumentation.api.SiteTable;
import java.lang.instrument.Instrumentation;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.DynamicType;

/**
 * Advice on the application methods the rules' sites name: on entry and on exit (return or exception) the
 * thread tells {@link SiteHook}. Never the JDK (boot and platform loaders), the agent, its instrumentation
 * or its shaded classes, and only methods with code: constructors and static initialisers are left out
 * (Byte Buddy cannot catch an exception around a super constructor call, so their exits cannot all be seen).
 */
public final class SiteInstrumentation {
    /** Classes that are never sites: the JDK's, should an application loader define them, and the agent's own. */
    static final List<String> NEVER = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.", "dev.jreclaim.agent.",
            "dev.jreclaim.instrumentation.", "dev.jreclaim.shaded.", "dev.jreclaim.bootstrap.");

    private SiteInstrumentation() {}

    /** Whether a class of this name may be instrumented at all. */
    public static boolean instrumentable(String className) {
        for (String prefix : NEVER) {
            if (className.startsWith(prefix)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A builder for the site advice, to be installed on its own (the JDK substitutions ignore nothing; this one
     * ignores the JDK). Classes loaded before it are retransformed by {@code installOn}.
     */
    public static AgentBuilder builder(Instrumentation inst, SiteTable table, AgentBuilder.Listener listener) {
        return new AgentBuilder.Default()
                .disableClassFormatChanges()
                .with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
                .with(listener)
                .ignore(isSynthetic(), isBootstrapClassLoader().or(isExtensionClassLoader()))
                // A site class in a named module must read the boot loader's unnamed module, where SiteHook is.
                .assureReadEdgeTo(inst, SiteHook.class)
                .type(t -> instrumentable(t.getName()) && table.mayHaveSites(t.getName()))
                .transform((b, type, loader, module, domain) -> advise(b, type, table));
    }

    /** One advice per distinct site id among the class's methods: the id is a constant in the inlined code. */
    private static DynamicType.Builder<?> advise(DynamicType.Builder<?> b, TypeDescription type, SiteTable table) {
        Set<Integer> ids = new TreeSet<>();
        for (MethodDescription.InDefinedShape m : type.getDeclaredMethods()) {
            if (hasCode(m)) {
                int id = table.siteOf(type.getName(), m.getInternalName());
                if (id >= 0) {
                    ids.add(id);
                }
            }
        }
        for (int id : ids) {
            b = b.visit(Advice.withCustomMapping().bind(SiteId.class, id).to(SiteAdvice.class)
                    .on(m -> hasCode(m) && table.siteOf(type.getName(), m.getInternalName()) == id));
        }
        return b;
    }

    private static boolean hasCode(MethodDescription m) {
        return m.isMethod() && !m.isAbstract() && !m.isNative();
    }
}
