package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.RangeRegistry;

/** The periodic hook of {@code jreclaim.AgentMemory}: one event per period, the figures as they are now. */
final class AgentMemorySampler extends CounterSampler {
    AgentMemorySampler(RangeRegistry service) {
        super(service);
    }

    @Override
    void emit(FaultCounters previous, FaultCounters now) {
        AgentMemoryEvent event = new AgentMemoryEvent();
        event.snapshotBytes = now.snapshots().heldBytes();
        event.agentBytes = now.agentBytes();
        event.chunksWithoutSnapshot = now.snapshots().incompressible() + now.snapshots().overBudget();
        event.commit();
    }
}
