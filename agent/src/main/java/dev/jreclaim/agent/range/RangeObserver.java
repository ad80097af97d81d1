package dev.jreclaim.agent.range;

/**
 * Told about marks and locks as they happen (the JFR events, package {@code jfr}, install one). A begin
 * method returns a token, or null when nothing is recording; the matching end method gets it back after
 * the operation succeeded. Must be cheap and never throw.
 */
public interface RangeObserver {
    Object markBegin();

    void markEnd(Object token, VolatileRange range);

    Object lockBegin();

    void lockEnd(Object token, VolatileRange range, LockResult result);

    /** Observes nothing. */
    RangeObserver NONE = new RangeObserver() {
        @Override
        public Object markBegin() {
            return null;
        }

        @Override
        public void markEnd(Object token, VolatileRange range) {}

        @Override
        public Object lockBegin() {
            return null;
        }

        @Override
        public void lockEnd(Object token, VolatileRange range, LockResult result) {}
    };
}
