package dev.jreclaim.instrumentation.api;

import java.lang.instrument.Instrumentation;

/**
 * What the agent gives every {@link InstrumentationModule} when it installs them.
 *
 * @param instrumentation the agent's, for read edges and retransformation
 * @param sites           which application methods are sites; {@link SiteTable#NONE} when no rule names one
 * @param siteListener    what the site advice reports to, through {@link SiteHook}; installed there before
 *                        any {@link InstrumentationModule.Target#APPLICATION} module, so that no entry is missed
 */
public record InstrumentationContext(Instrumentation instrumentation, SiteTable sites, SiteListener siteListener) {
    public InstrumentationContext {
        if (instrumentation == null || sites == null || siteListener == null) {
            throw new IllegalArgumentException("null in " + instrumentation + ", " + sites + ", " + siteListener);
        }
    }
}
