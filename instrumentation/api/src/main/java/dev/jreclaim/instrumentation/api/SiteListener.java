package dev.jreclaim.instrumentation.api;

/**
 * What instrumented application methods (the rules' sites) tell the agent: a thread entered or left one.
 * Called from advice inlined into application code, so implementations must be cheap and never throw.
 */
public interface SiteListener {

    /** The current thread entered a method of site {@code site} (an id the agent handed out at instrumentation). */
    void enter(int site);

    /**
     * The current thread left it.
     *
     * @param returned true for a normal return, false when an exception leaves the method
     */
    void exit(int site, boolean returned);

    /** The agent is not running: sites are ignored. */
    SiteListener NONE = new SiteListener() {
        @Override
        public void enter(int site) {}

        @Override
        public void exit(int site, boolean returned) {}
    };
}
