package dev.jreclaim.instrumentation.sitescope;

import dev.jreclaim.instrumentation.api.SiteHook;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into every site method: tells the agent when the thread enters it and how it leaves it. Only
 * calls to {@link SiteHook} are added (no fields, no methods), so classes already loaded can be
 * retransformed.
 */
final class SiteAdvice {
    private SiteAdvice() {}

    @Advice.OnMethodEnter
    static void enter(@SiteId int site) {
        SiteHook.enter(site);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class)
    static void exit(@SiteId int site, @Advice.Thrown Throwable thrown) {
        SiteHook.exit(site, thrown);
    }
}
