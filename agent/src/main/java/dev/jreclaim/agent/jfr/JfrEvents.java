package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.RangeRegistry;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/**
 * Registers the periodic jreclaim events once JFR is initialized (at once if it already is), and lets
 * the mark and lock events load then. A JVM that never records loads the listener and a handful of
 * {@code jdk.jfr} classes at agent start, nothing more; the samplers run only while a recording has
 * their event enabled.
 */
public final class JfrEvents {
    private JfrEvents() {}

    /** Never throws: a JVM without JFR, or one whose JFR refuses the hooks, runs without the events. */
    public static void install(RangeRegistry service) {
        if (!JfrPresence.AVAILABLE) {
            return;
        }
        RangeRegistry.observe(RangeEvents.INSTANCE);
        try {
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder recorder) {
                    JfrPresence.initialized = true;
                    FlightRecorder.addPeriodicEvent(FaultBatchEvent.class, new FaultBatchSampler(service));
                    FlightRecorder.addPeriodicEvent(RebuildFailedEvent.class, new RebuildFailureSampler(service));
                    FlightRecorder.addPeriodicEvent(PurgeDetectedEvent.class, new PurgeSampler(service));
                    FlightRecorder.addPeriodicEvent(AgentMemoryEvent.class, new AgentMemorySampler(service));
                    FlightRecorder.addPeriodicEvent(ReclaimableEvent.class, new ReclaimableSampler(service));
                }
            });
        } catch (RuntimeException | LinkageError e) {
            // JFR unavailable (-XX:-FlightRecorder or a restricted runtime): no events, nothing else changes
        }
    }
}
