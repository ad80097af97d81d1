package dev.jreclaim.instrumentation.api;

import java.lang.instrument.Instrumentation;
import java.util.EnumSet;
import java.util.Set;

/**
 * What the agent gives every {@link InstrumentationModule} when it installs them.
 *
 * @param instrumentation the agent's, for read edges and retransformation
 * @param sites           which application methods are sites; {@link SiteTable#NONE} when no rule names one
 * @param siteListener    what the site advice reports to, through {@link SiteHook}; installed there before
 *                        any {@link InstrumentationModule.Target#APPLICATION} module, so that no entry is missed
 * @param kinds           the allocation kinds some rule covers: a JDK path no rule covers is not instrumented
 * @param pins            whether some range may need a pin around the JDK's native access (the native-io guards)
 * @param fileReads       whether some rule rebuilds from files (the file-read advice)
 */
public record InstrumentationContext(Instrumentation instrumentation, SiteTable sites, SiteListener siteListener,
        Set<AllocationKind> kinds, boolean pins, boolean fileReads) {
    public InstrumentationContext {
        if (instrumentation == null || sites == null || siteListener == null || kinds == null) {
            throw new IllegalArgumentException("null in " + instrumentation + ", " + sites + ", " + siteListener
                    + ", " + kinds);
        }
        kinds = Set.copyOf(kinds);
    }

    /** Every guard: for a caller that knows only the kinds. */
    public InstrumentationContext(Instrumentation instrumentation, SiteTable sites, SiteListener siteListener,
            Set<AllocationKind> kinds) {
        this(instrumentation, sites, siteListener, kinds, true, true);
    }

    /** Every kind: for a caller that does not know the rules. */
    public InstrumentationContext(Instrumentation instrumentation, SiteTable sites, SiteListener siteListener) {
        this(instrumentation, sites, siteListener, EnumSet.allOf(AllocationKind.class));
    }
}
