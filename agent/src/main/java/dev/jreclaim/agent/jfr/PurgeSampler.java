package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.range.FaultService;
import dev.jreclaim.agent.range.RangeStats;
import dev.jreclaim.agent.range.VolatileRange;
import java.util.HashMap;
import java.util.Map;

/**
 * The periodic hook of {@code jreclaim.PurgeDetected}. The kernel does not say when it drops a lazyfree
 * page, so purges are inferred per marked range between two samples:
 * {@code dropped = max(0, Δ absent bytes + Δ pages restored × page size)}, where absent bytes are the
 * range's pages not resident (mincore) since its first mark. Restored pages are added back because a
 * page dropped and rebuilt within one interval shows only as a restore. A page dropped and never touched
 * counts once. A range's first sample starts from zero (ranges marked before the first sample: from this
 * sampler's creation). Cost: one mincore and one native read per live range per sample.
 */
final class PurgeSampler implements Runnable {
    private final FaultService service;
    private final long pageSize = Libc.pageSize();
    /** Per range id: absent bytes and pages restored at the previous sample. */
    private Map<Long, long[]> previous;

    PurgeSampler(FaultService service) {
        this.service = service;
        this.previous = sample(new long[3]);
    }

    @Override
    public synchronized void run() {
        if (service.isClosed()) {
            return;
        }
        long[] totals = new long[3];
        previous = sample(totals);
        if (totals[0] > 0) {
            PurgeDetectedEvent event = new PurgeDetectedEvent();
            event.bytes = totals[0];
            event.ranges = totals[1];
            event.purgedBytes = totals[2];
            event.commit();
        }
    }

    /** Reads every marked range; adds to {@code totals} bytes dropped since {@link #previous}, ranges that lost pages, absent bytes. */
    private Map<Long, long[]> sample(long[] totals) {
        Map<Long, long[]> now = new HashMap<>();
        for (VolatileRange r : service.ranges()) {
            RangeStats s;
            try {
                s = r.stats();
            } catch (IllegalStateException freedOrClosed) {
                continue;
            }
            if (s.marks() == 0) {
                continue;
            }
            long[] cur = {s.purgedBytes(), s.pagesRestored()};
            now.put(r.id(), cur);
            long[] before = previous == null ? null : previous.get(r.id());
            long dropped = before == null ? cur[0] + cur[1] * pageSize
                    : cur[0] - before[0] + (cur[1] - before[1]) * pageSize;
            if (dropped > 0) {
                totals[0] += dropped;
                totals[1]++;
            }
            totals[2] += cur[0];
        }
        return now;
    }
}
