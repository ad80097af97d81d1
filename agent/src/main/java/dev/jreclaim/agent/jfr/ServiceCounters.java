package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.RangeRegistry;

/** The service's counters for a sampler, or null once the service is closed (a sample is then skipped). */
final class ServiceCounters {
    private ServiceCounters() {}

    static FaultCounters read(RangeRegistry service) {
        try {
            return service.isClosed() ? null : service.counters();
        } catch (IllegalStateException closedMeanwhile) {
            return null;
        }
    }
}
