package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.RangeRegistry;

/**
 * A periodic hook that reports how the fault service's native counters grew since its previous
 * sample (the first counts from the sampler's creation). Runs on JFR's periodic thread, only while a
 * recording has its event enabled; a closed service is skipped.
 */
abstract class CounterSampler implements Runnable {
    private final RangeRegistry service;
    private FaultCounters previous;

    CounterSampler(RangeRegistry service) {
        this.service = service;
        this.previous = ServiceCounters.read(service);
    }

    @Override
    public final synchronized void run() {
        FaultCounters now = ServiceCounters.read(service);
        if (now == null) {
            return;
        }
        emit(previous, now);
        previous = now;
    }

    /** Commits the events for the growth from {@code previous} (null: nothing before) to {@code now}. */
    abstract void emit(FaultCounters previous, FaultCounters now);
}
