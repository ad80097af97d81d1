package dev.jreclaim.agent.range;

import dev.jreclaim.agent.linux.NativeConstants;

/**
 * The ranges' memory as the library holds it (agent/src/main/c/range_memory.c, docs/fault-path.md "How ranges
 * share mappings"): ranges are slots of a few large regions, so the process's mapping count follows bytes,
 * not ranges; and the mapping budget that keeps a reserve of {@code vm.max_map_count} for the JVM.
 *
 * @param regions           mappings reserved for ranges (slabs and ranges large enough for a mapping of their own)
 * @param reservedBytes     their size (virtual: a page costs memory once touched)
 * @param slotBytes         bytes of the slots live ranges hold (a slot is up to 1.5x its range)
 * @param handedBytes       bytes of slots handed over at close (the caller's memory now)
 * @param mappings          the process's mapping count as the library estimates it
 * @param mappingLimit      no new mapping past this count ({@code JR_MAP_RESERVE_PERCENT} of the next)
 * @param maxMapCount       {@code /proc/sys/vm/max_map_count}, read when the service started
 * @param mappingCounts     times the library counted {@code /proc/self/maps}
 * @param refusedMappings   allocations refused because a new mapping would pass the limit
 * @param refusedMemory     allocations refused because the kernel refused a mapping (ENOMEM)
 * @param refusedRegistrations first marks whose registration was refused (the range stayed LOCKED)
 * @param recycledBytes     bytes freed slots hold zeroed for the next range of their size ({@code
 *                          jreclaim.memory.recycle-max}): the agent's own memory; MADV_FREE'd but for
 *                          {@code recycledHotBytes}, so the kernel may drop it
 * @param recycleHits       allocations served by a recycled slot
 * @param recycleRefused    frees of never-marked ranges not recycled because the bound was reached
 * @param recycledHotBytes  of recycledBytes, those kept as ordinary memory (at most 4 MiB): the kernel cannot drop them
 */
public record RangeMemory(long regions, long reservedBytes, long slotBytes, long handedBytes, long mappings,
        long mappingLimit, long maxMapCount, long mappingCounts, long refusedMappings, long refusedMemory,
        long refusedRegistrations, long recycledBytes, long recycleHits, long recycleRefused,
        long recycledHotBytes) {

    static RangeMemory of(long[] v) {
        return new RangeMemory(v[NativeConstants.JR_MS_REGIONS], v[NativeConstants.JR_MS_RESERVED_BYTES],
                v[NativeConstants.JR_MS_SLOT_BYTES], v[NativeConstants.JR_MS_HANDED_BYTES], v[NativeConstants.JR_MS_MAPS],
                v[NativeConstants.JR_MS_MAP_LIMIT], v[NativeConstants.JR_MS_MAX_MAP_COUNT],
                v[NativeConstants.JR_MS_MAP_COUNTS], v[NativeConstants.JR_MS_ALLOC_REFUSED_MAPS],
                v[NativeConstants.JR_MS_ALLOC_REFUSED_NOMEM], v[NativeConstants.JR_MS_REGISTER_REFUSED],
                v[NativeConstants.JR_MS_RECYCLED_BYTES], v[NativeConstants.JR_MS_RECYCLE_HITS],
                v[NativeConstants.JR_MS_RECYCLE_REFUSED], v[NativeConstants.JR_MS_RECYCLED_HOT_BYTES]);
    }
}
