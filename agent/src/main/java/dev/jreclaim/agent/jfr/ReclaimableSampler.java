package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.Accounting;
import dev.jreclaim.agent.range.RangeRegistry;

/** The periodic hook of {@code jreclaim.Reclaimable}. Cost per sample: one mincore and one native read per live range. */
final class ReclaimableSampler implements Runnable {
    private final RangeRegistry service;

    ReclaimableSampler(RangeRegistry service) {
        this.service = service;
    }

    @Override
    public void run() {
        if (service.isClosed()) {
            return;
        }
        Accounting a = service.accounting();
        ReclaimableEvent event = new ReclaimableEvent();
        event.volatileBytes = a.volatileBytes();
        event.writtenBytes = a.writtenBytes();
        event.keptBytes = a.keptBytes();
        event.firstWrites = service.counters().firstWrites();
        event.commit();
    }
}
