package dev.jreclaim.agent.pressure;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import dev.jreclaim.agent.config.Headroom;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The memory cgroup this process is in and its ancestors (a limit set on a parent binds the child too, as a
 * container runtime's or a systemd slice's): of those with a limit, the one with the least headroom left.
 * Per poll one pread of each limited level's usage file; its memory.stat (a larger file) only when the usage alone
 * leaves less than the headroom (with the gauge's margin), to add its inactive file LRU: marked pages (MADV_FREE) sit
 * there and cost the kernel nothing to take, so a cgroup full of them is not short. Limits are read again every
 * {@link #LIMIT_EVERY} polls, so a limit changed at run time applies within about a second.
 *
 * A count of charges that hit the limit (v1 memory.failcnt, v2 memory.events "max") that grew since the last poll
 * says memory is short whatever the LRU seemed to hold: the kernel had to reclaim, and the inactive LRU overstates
 * what it can take quickly when it holds referenced page cache (a file just read twice) or lazily freed pages
 * written since (measured: the file sample in 128 MiB was OOM-killed on the LRU estimate alone).
 *
 * <p>v2: memory.current against the lower of memory.max and memory.high (above memory.high the kernel throttles
 * the allocating threads), memory.stat inactive_file. v1: memory.usage_in_bytes against memory.limit_in_bytes,
 * memory.stat total_inactive_file (hierarchical, as v1's usage is).
 */
final class CgroupSignal implements MemorySignal {
    static final int LIMIT_EVERY = 100;

    private record Level(Path path, KernelFile usage, KernelFile max, KernelFile high, KernelFile stat, KernelFile hits) {}

    private final MemoryCgroup.Version version;
    private final List<Level> levels;
    private final long[] limits;
    private final String statKey;
    /** Each level's count of charges that hit its limit (v1 memory.failcnt, v2 memory.events "max") at the last poll. */
    private final long[] hits;
    private int polls;

    CgroupSignal(MemoryCgroup.Version version, List<Path> chain) {
        this.version = version;
        boolean v1 = version == MemoryCgroup.Version.V1;
        this.statKey = v1 ? "total_inactive_file" : "inactive_file";
        List<Level> found = new ArrayList<>();
        for (Path p : chain) {
            KernelFile usage = KernelFile.open(p.resolve(v1 ? "memory.usage_in_bytes" : "memory.current"));
            KernelFile max = KernelFile.open(p.resolve(v1 ? "memory.limit_in_bytes" : "memory.max"));
            if (usage == null || max == null) {
                continue;
            }
            found.add(new Level(p, usage, max, v1 ? null : KernelFile.open(p.resolve("memory.high")),
                    KernelFile.open(p.resolve("memory.stat")), KernelFile.open(p.resolve(v1 ? "memory.failcnt" : "memory.events"))));
        }
        this.levels = List.copyOf(found);
        this.limits = new long[levels.size()];
        this.hits = new long[levels.size()];
        readLimits();
        for (int i = 0; i < levels.size(); i++) {
            hits[i] = limitHits(levels.get(i));
        }
    }

    /** The signal of this process's memory cgroup, or null when neither it nor an ancestor has a limit. */
    static CgroupSignal ofThisProcess() {
        MemoryCgroup own = MemoryCgroup.current().orElse(null);
        if (own == null) {
            return null;
        }
        List<Path> chain = new ArrayList<>();
        String limitFile = own.version() == MemoryCgroup.Version.V1 ? "memory.limit_in_bytes" : "memory.max";
        for (Path p = own.path(); p != null && Files.exists(p.resolve(limitFile)); p = p.getParent()) {
            chain.add(p);
        }
        CgroupSignal s = new CgroupSignal(own.version(), chain);
        return s.hasLimit() ? s : null;
    }

    boolean hasLimit() {
        for (long l : limits) {
            if (l > 0) {
                return true;
            }
        }
        return false;
    }

    private void readLimits() {
        for (int i = 0; i < levels.size(); i++) {
            Level l = levels.get(i);
            long max = l.max.firstLong();
            long high = l.high == null ? Long.MAX_VALUE : l.high.firstLong();
            long limit = Math.min(max < 0 ? Long.MAX_VALUE : max, high < 0 ? Long.MAX_VALUE : high);
            // v1 says "no limit" with a page-rounded huge number
            limits[i] = limit >= Long.MAX_VALUE / 2 ? 0 : limit;
        }
    }

    @Override
    public MemoryReading read(Headroom headroom) {
        if (++polls % LIMIT_EVERY == 0) {
            readLimits();
        }
        MemoryReading tightest = null;
        for (int i = 0; i < levels.size(); i++) {
            long limit = limits[i];
            if (limit <= 0) {
                continue;
            }
            Level l = levels.get(i);
            long usage = l.usage.firstLong();
            if (usage < 0) {
                continue;
            }
            long available = limit - usage;
            if (available < PressureLevel.clearAbove(headroom.of(limit)) && l.stat != null) {
                long inactive = l.stat.keyed(statKey);
                available += Math.max(0, inactive);
            }
            long h = limitHits(l);
            if (h > hits[i]) {
                // The kernel had to reclaim to charge since the last poll: whatever the inactive LRU seemed to hold,
                // memory is short (at least SHORT: half the headroom).
                hits[i] = h;
                available = Math.min(available, headroom.of(limit) / 2);
            }
            available = Math.max(0, Math.min(available, limit));
            // the level with the least left over its own headroom binds
            if (tightest == null || available - headroom.of(limit)
                    < tightest.availableBytes() - headroom.of(tightest.limitBytes())) {
                tightest = new MemoryReading(limit, available);
            }
        }
        return tightest != null ? tightest : new MemoryReading(Long.MAX_VALUE, Long.MAX_VALUE);
    }

    private long limitHits(Level l) {
        if (l.hits == null) {
            return -1;
        }
        return version == MemoryCgroup.Version.V1 ? l.hits.firstLong() : l.hits.keyed("max");
    }

    @Override
    public String describe() {
        StringBuilder b = new StringBuilder("cgroup " + (version == MemoryCgroup.Version.V1 ? "v1" : "v2"));
        for (int i = 0; i < levels.size(); i++) {
            if (limits[i] > 0) {
                b.append(' ').append(levels.get(i).path).append(" (limit ").append(limits[i] >> 20).append(" MiB)");
            }
        }
        return b.toString();
    }
}
