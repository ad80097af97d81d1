package dev.jreclaim.instrumentation.sitescope;

import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import dev.jreclaim.instrumentation.api.SiteHook;
import dev.jreclaim.instrumentation.api.SiteTable;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.dynamic.ClassFileLocator;
import net.bytebuddy.dynamic.DynamicType;

/**
 * Advice on the application methods the rules' sites name: on entry and on exit (return or exception) the
 * thread tells {@link SiteHook}. An {@link Target#APPLICATION} module: the installer's builder never reaches
 * the JDK (boot and platform loaders) nor synthetic classes; this module also leaves out the agent, its
 * instrumentation and its shaded classes, and takes only methods with code: constructors and static
 * initialisers are left out (Byte Buddy cannot catch an exception around a super constructor call, so their
 * exits cannot all be seen). Classes loaded before it are retransformed.
 */
public final class SiteInstrumentation implements InstrumentationModule {
    /** Classes that are never sites: the JDK's, should an application loader define them, and the agent's own. */
    static final List<String> NEVER = SiteTable.NEVER_SITES;

    /**
     * Where Byte Buddy reads {@link SiteAdvice}'s class file (Advice inlines its byte code). Its own loader
     * first: at premain the manifest's Boot-Class-Path is part of the boot class path from the start, and the
     * boot loader finds the file. After a late attach the jar was only appended to the boot loader's search,
     * which finds classes but not resources; the attach put the jar on the system class path, where it is.
     */
    private static final class AdviceClassFile {
        /** A holder, so that finding and instantiating the module loads nothing of Byte Buddy (docs/agent.md, "The transform cache"). */
        static final ClassFileLocator LOCATOR = new ClassFileLocator.Compound(
                ClassFileLocator.ForClassLoader.of(SiteAdvice.class.getClassLoader()),
                ClassFileLocator.ForClassLoader.ofSystemLoader());
    }

    /** Whether a class of this name may be instrumented at all. */
    public static boolean instrumentable(String className) {
        return !SiteTable.neverSite(className);
    }

    @Override
    public String name() {
        return "application site methods";
    }

    @Override
    public Target target() {
        return Target.APPLICATION;
    }

    @Override
    public boolean appliesTo(InstrumentationContext context) {
        return context.sites() != SiteTable.NONE;
    }

    @Override
    public AgentBuilder instrument(AgentBuilder builder, InstrumentationContext context) {
        SiteTable table = context.sites();
        return builder
                .type(t -> instrumentable(t.getName()) && table.mayHaveSites(t.getName()))
                .transform((b, type, loader, module, domain) -> advise(b, type, table));
    }

    /** Nothing to verify: no JDK call is substituted. */
    @Override
    public Exercise exercise() {
        return null;
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
            b = b.visit(Advice.withCustomMapping().bind(SiteId.class, id).to(SiteAdvice.class, AdviceClassFile.LOCATOR)
                    .on(m -> hasCode(m) && table.siteOf(type.getName(), m.getInternalName()) == id));
        }
        return b;
    }

    private static boolean hasCode(MethodDescription m) {
        return m.isMethod() && !m.isAbstract() && !m.isNative();
    }
}
