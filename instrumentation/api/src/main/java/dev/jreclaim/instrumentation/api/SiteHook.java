package dev.jreclaim.instrumentation.api;

/**
 * The one place the advice in application methods finds the agent, as {@link MemoryHook} is for the JDK's
 * calls. Static methods: the advice is inlined into application classes and calls them directly.
 */
public final class SiteHook {
    private static volatile SiteListener listener = SiteListener.NONE;

    private SiteHook() {}

    public static void install(SiteListener l) {
        if (l == null) {
            throw new IllegalArgumentException("listener must not be null (use SiteListener.NONE)");
        }
        listener = l;
    }

    public static SiteListener listener() {
        return listener;
    }

    /** Called on entry to a site method. Never throws into the application. */
    public static void enter(int site) {
        try {
            listener.enter(site);
        } catch (Throwable ignored) { // the application's method must run as if the agent were absent
        }
    }

    /** Called when a site method returns ({@code thrown == null}) or an exception leaves it. Never throws. */
    public static void exit(int site, Throwable thrown) {
        try {
            listener.exit(site, thrown == null);
        } catch (Throwable ignored) {
        }
    }
}
