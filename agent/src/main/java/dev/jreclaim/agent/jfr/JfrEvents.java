package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.FaultService;
import jdk.jfr.FlightRecorder;
import jdk.jfr.FlightRecorderListener;

/**
 * Registers the periodic jreclaim events once JFR is initialized (at once if it already is), so that a
 * JVM that never records pays nothing: no JFR class is touched before a recording starts, and the
 * samplers run only while a recording has their event enabled.
 */
public final class JfrEvents {
    private JfrEvents() {}

    /** Never throws: a JVM without JFR, or one whose JFR refuses the hooks, runs without the events. */
    public static void install(FaultService service) {
        if (!JfrPresence.AVAILABLE) {
            return;
        }
        try {
            FlightRecorder.addListener(new FlightRecorderListener() {
                @Override
                public void recorderInitialized(FlightRecorder recorder) {
                    FlightRecorder.addPeriodicEvent(FaultBatchEvent.class, new FaultBatchSampler(service));
                    FlightRecorder.addPeriodicEvent(RebuildFailedEvent.class, new RebuildFailureSampler(service));
                    FlightRecorder.addPeriodicEvent(PurgeDetectedEvent.class, new PurgeSampler(service));
                }
            });
        } catch (RuntimeException | LinkageError e) {
            // JFR unavailable (-XX:-FlightRecorder or a restricted runtime): no events, nothing else changes
        }
    }
}
