package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.FaultCounters.SourceCounters;
import dev.jreclaim.agent.range.FaultService;
import dev.jreclaim.agent.range.RebuildSource;
import java.util.Map;

/**
 * The periodic hook of {@code jreclaim.FaultBatch}: the native per-source counters' growth since the
 * previous sample (the first counts from this sampler's creation), one event per source that answered a
 * fault. Runs on JFR's periodic thread, only while a recording has the event enabled.
 */
final class FaultBatchSampler implements Runnable {
    private static final SourceCounters NONE = new SourceCounters(0, 0, 0, 0);

    private final FaultService service;
    private FaultCounters previous;

    FaultBatchSampler(FaultService service) {
        this.service = service;
        this.previous = ServiceCounters.read(service);
    }

    @Override
    public synchronized void run() {
        FaultCounters now = ServiceCounters.read(service);
        if (now == null) {
            return;
        }
        for (Map.Entry<RebuildSource, SourceCounters> e : now.perSource().entrySet()) {
            SourceCounters c = e.getValue();
            SourceCounters b = previous == null ? NONE : previous.perSource().get(e.getKey());
            if (c.faults() == b.faults() && c.pages() == b.pages()) {
                continue;
            }
            FaultBatchEvent event = new FaultBatchEvent();
            event.source = e.getKey().name();
            event.faults = c.faults() - b.faults();
            event.pages = c.pages() - b.pages();
            event.bytes = c.bytes() - b.bytes();
            event.serviceTime = c.nanos() - b.nanos();
            event.commit();
        }
        previous = now;
    }
}
