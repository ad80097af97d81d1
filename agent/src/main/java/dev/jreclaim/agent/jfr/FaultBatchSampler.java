package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.FaultCounters.SourceCounters;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RebuildSource;
import java.util.Map;

/** The periodic hook of {@code jreclaim.FaultBatch}: one event per source that answered a fault since the last sample. */
final class FaultBatchSampler extends CounterSampler {
    private static final SourceCounters NONE = new SourceCounters(0, 0, 0, 0);

    FaultBatchSampler(RangeRegistry service) {
        super(service);
    }

    @Override
    void emit(FaultCounters previous, FaultCounters now) {
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
    }
}
