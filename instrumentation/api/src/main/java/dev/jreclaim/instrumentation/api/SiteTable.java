package dev.jreclaim.instrumentation.api;

/** Which application methods are sites, as the agent's rules say; asked while classes are transformed. */
public interface SiteTable {

    /** Whether any method of this class (binary name) can be a site; lets other classes pass untouched. */
    boolean mayHaveSites(String className);

    /** The site id of {@code className#methodName} (both as in the rules' globs), or -1 when it is no site. */
    int siteOf(String className, String methodName);

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
