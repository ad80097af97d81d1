package dev.jreclaim.instrumentation.api;

import java.util.List;

/** Which application methods are sites, as the agent's rules say; asked while classes are transformed. */
public interface SiteTable {

    /** Whether any method of this class (binary name) can be a site; lets other classes pass untouched. */
    boolean mayHaveSites(String className);

    /** The site id of {@code className#methodName} (both as in the rules' globs), or -1 when it is no site. */
    int siteOf(String className, String methodName);

    /**
     * Prefixes of the classes that are never sites, whatever a rule says: the JDK's, should an application
     * loader define them, and the agent's own. The site advice leaves them out; the agent warns at start of a
     * rule whose sites all fall here.
     */
    List<String> NEVER_SITES = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.", "dev.jreclaim.agent.",
            "dev.jreclaim.instrumentation.", "dev.jreclaim.shaded.", "dev.jreclaim.bootstrap.");

    /** Whether a class of this binary name (or every name beginning with it) is never a site. */
    static boolean neverSite(String className) {
        for (String prefix : NEVER_SITES) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return false;
    }

    /** No rule names a site: no method is one, and the site advice is not installed at all. */
    SiteTable NONE = new SiteTable() {
        @Override
        public boolean mayHaveSites(String className) {
            return false;
        }

        @Override
        public int siteOf(String className, String methodName) {
            return -1;
        }

        @Override
        public String toString() {
            return "no sites";
        }
    };
}
