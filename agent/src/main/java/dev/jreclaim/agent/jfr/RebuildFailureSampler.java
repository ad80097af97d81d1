package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.FaultService;

/**
 * The periodic hook of {@code jreclaim.RebuildFailed}: pages the service could not rebuild (and
 * poisoned) and install failures since the previous sample; no event when there were none.
 */
final class RebuildFailureSampler extends CounterSampler {
    RebuildFailureSampler(FaultService service) {
        super(service);
    }

    @Override
    void emit(FaultCounters previous, FaultCounters now) {
        long failures = now.rebuildFailures() - (previous == null ? 0 : previous.rebuildFailures());
        long copyErrors = now.copyErrors() - (previous == null ? 0 : previous.copyErrors());
        if (failures > 0 || copyErrors > 0) {
            RebuildFailedEvent event = new RebuildFailedEvent();
            event.pages = failures;
            event.copyErrors = copyErrors;
            event.commit();
        }
    }
}
