package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.LockResult;
import dev.jreclaim.agent.range.RangeObserver;
import dev.jreclaim.agent.range.VolatileRange;

/**
 * The mark and lock events, as the ranges' {@link RangeObserver}. A begin method returns the started event, or null
 * while no recording wants it; the caller hands it back to the matching end method after the operation
 * succeeded. The token is typed Object so that callers never name a {@code jdk.jfr} class. Cost before
 * JFR starts: a constant and a volatile read. Once it has started, while the event is disabled: an
 * allocation that escape analysis can remove, as {@code isEnabled()} is then a constant to the JIT.
 */
public final class RangeEvents implements RangeObserver {
    static final RangeEvents INSTANCE = new RangeEvents();

    private RangeEvents() {}

    @Override
    public Object markBegin() {
        return JfrPresence.recordable() ? begin(new RangeMarkedEvent()) : null;
    }

    @Override
    public void markEnd(Object token, VolatileRange r) {
        end(token, r.id(), r.address(), r.byteSize(), r.source().name(), null);
    }

    @Override
    public Object lockBegin() {
        return JfrPresence.recordable() ? begin(new RangeLockedEvent()) : null;
    }

    @Override
    public void lockEnd(Object token, VolatileRange r, LockResult result) {
        end(token, r.id(), r.address(), r.byteSize(), r.source().name(), result.name());
    }

    private static Object begin(RangeEvent e) {
        if (!e.isEnabled()) {
            return null;
        }
        e.begin();
        return e;
    }

    private static void end(Object token, long rangeId, long address, long bytes, String source, String result) {
        if (token instanceof RangeEvent e) {
            e.end();
            if (e.shouldCommit()) {
                e.rangeId = rangeId;
                e.address = address;
                e.bytes = bytes;
                e.source = source;
                if (e instanceof RangeLockedEvent locked) {
                    locked.result = result;
                }
                e.commit();
            }
        }
    }
}
