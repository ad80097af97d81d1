package dev.jreclaim.agent.pressure;

/**
 * One look at how much memory this process may still use without the kernel OOM-killing it.
 *
 * @param limitBytes     the limit that binds tightest (a cgroup's, or MemTotal)
 * @param availableBytes what is left under it that is free or cheaply reclaimable: the limit minus the usage plus
 *                       the inactive file LRU, where the kernel keeps lazily freed (MADV_FREE) pages since Linux 4.12
 *                       and clean page cache; /proc/meminfo's MemAvailable without a cgroup limit
 */
public record MemoryReading(long limitBytes, long availableBytes) {}
