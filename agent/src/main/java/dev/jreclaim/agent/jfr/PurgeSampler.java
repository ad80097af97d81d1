package dev.jreclaim.agent.jfr;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RangeStats;
import dev.jreclaim.agent.range.VolatileRange;
import java.util.HashMap;
import java.util.Map;

/**
 * The periodic hook of {@code jreclaim.PurgeDetected}. The kernel does not say when it drops a lazyfree
 * page, so purges are inferred per marked range: its pages lost so far are
 * {@code absent bytes + pages restored × page size} (absent: not resident by mincore, counted once the
 * range has been marked; a dropped page moves from absent to restored when touched, so the sum only
 * grows). An event reports how far that sum rose above its previous high-water mark, summed over the
 * ranges. The high-water mark, not the last sample, because the service counts a restore just after the
 * page appears: a sample in between sees the sum dip, and the dip must not be reported again as a purge.
 * A range's first sample starts from zero (ranges already marked when this sampler is created: from its
 * creation). Cost per sample: one mincore and one native read per live range.
 */
final class PurgeSampler implements Runnable {
    private final RangeRegistry service;
    private final long pageSize = Libc.pageSize();
    /** Per range id: the highest bytes-lost-so-far seen. */
    private Map<Long, Long> highWater;

    PurgeSampler(RangeRegistry service) {
        this.service = service;
        this.highWater = sample(new long[3]);
    }

    @Override
    public synchronized void run() {
        if (service.isClosed()) {
            return;
        }
        long[] totals = new long[3];
        highWater = sample(totals);
        if (totals[0] > 0) {
            PurgeDetectedEvent event = new PurgeDetectedEvent();
            event.bytes = totals[0];
            event.ranges = totals[1];
            event.absentBytes = totals[2];
            event.commit();
        }
    }

    /** Reads every marked range; adds to {@code totals}: bytes newly lost, ranges that lost some, absent bytes. */
    private Map<Long, Long> sample(long[] totals) {
        Map<Long, Long> now = new HashMap<>();
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
            long lost = s.purgedBytes() + s.pagesRestored() * pageSize;
            long before = highWater == null ? 0 : highWater.getOrDefault(r.id(), 0L);
            now.put(r.id(), Math.max(lost, before));
            if (lost > before) {
                totals[0] += lost - before;
                totals[1]++;
            }
            totals[2] += s.purgedBytes();
        }
        return now;
    }
}
