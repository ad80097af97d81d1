package dev.jreclaim.agent.jfr;

/**
 * The mark and lock events, for {@code VolatileRange}. A begin method returns the started event, or null
 * while no recording wants it; the caller hands it back to the matching end method after the operation
 * succeeded. The token is typed Object so that callers never name a {@code jdk.jfr} class. Cost before
 * JFR starts: a constant and a volatile read. Once it has started, while the event is disabled: an
 * allocation that escape analysis can remove, as {@code isEnabled()} is then a constant to the JIT.
 */
public final class RangeEvents {
    private RangeEvents() {}

    public static Object markBegin() {
        if (!JfrPresence.recordable()) {
            return null;
        }
        RangeMarkedEvent e = new RangeMarkedEvent();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    public static void markEnd(Object token, long rangeId, long address, long bytes, String source) {
        if (token instanceof RangeMarkedEvent e) {
            e.end();
            if (e.shouldCommit()) {
                e.rangeId = rangeId;
                e.address = address;
                e.bytes = bytes;
                e.source = source;
                e.commit();
            }
        }
    }

    public static Object lockBegin() {
        if (!JfrPresence.recordable()) {
            return null;
        }
        RangeLockedEvent e = new RangeLockedEvent();
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    public static void lockEnd(Object token, long rangeId, long address, long bytes, String source, String result) {
        if (token instanceof RangeLockedEvent e) {
            e.end();
            if (e.shouldCommit()) {
                e.rangeId = rangeId;
                e.address = address;
                e.bytes = bytes;
                e.source = source;
                e.result = result;
                e.commit();
            }
        }
    }
}
