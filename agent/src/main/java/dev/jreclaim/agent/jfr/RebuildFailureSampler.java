package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.RangeRegistry;

/**
 * The periodic hook of {@code jreclaim.RebuildFailed}: pages the service could not rebuild (and
 * poisoned) and install failures since the previous sample; no event when there were none.
 */
final class RebuildFailureSampler extends CounterSampler {
    RebuildFailureSampler(RangeRegistry service) {
        super(service);
    }

    @Override
    void emit(FaultCounters previous, FaultCounters now) {
        long failures = now.rebuildFailures() - (previous == null ? 0 : previous.rebuildFailures());
        long installErrors = now.installErrors() - (previous == null ? 0 : previous.installErrors());
        if (failures > 0 || installErrors > 0) {
            RebuildFailedEvent event = new RebuildFailedEvent();
            event.pages = failures;
            event.installErrors = installErrors;
            event.commit();
        }
    }
}
