/*
 * The memory of the ranges: large regions reserved once and carved into slots by size class, so
 * the process's mapping count follows bytes, not ranges; the index from an address to the owner
 * of its slot, read lock-free by the fault service; and the mapping budget that keeps a reserve of
 * vm.max_map_count for the JVM. The design and its kernel facts are in range_memory.c and
 * docs/fault-path.md ("How ranges share mappings"). Depends on kernel.h only.
 */
#ifndef JR_RANGE_MEMORY_H
#define JR_RANGE_MEMORY_H

#include "jreclaim.h"

#include <pthread.h>
#include <stdint.h>

/* A slot's owner when it is not a table slot: free (or never used), or taken but not indexed
 * (just allocated, being removed, or handed over by detach). Table slots are below both. */
#define JR_MEM_FREE UINT32_MAX
#define JR_MEM_HELD (UINT32_MAX - 1)

#define JR_MEM_CLASSES 18 /* slot sizes in pages: 1, 2, 3, 4, 6, 8, ... 512 (range_memory.c) */
#define JR_MEM_MAX_CLASS_PAGES 512u /* the largest class; a larger range gets a mapping of its own */
/* Recycled slots up to this many bytes stay ordinary memory (hot); the rest are MADV_FREE'd (range_memory.c). */
#define JR_MEM_HOT_BYTES (4ull << 20)

struct jr_region;

struct jr_memory {
	pthread_mutex_t lock;   /* every edit below; never held while waiting on a fault */
	pthread_t writer;       /* check builds: who holds lock */
	uint64_t page_size;
	uint64_t seq;           /* seqlock over the index: radix entries, region geometry, slot owners */

	unsigned char *meta;    /* one MAP_NORESERVE arena for everything below (touched as used) */
	uint64_t meta_bytes, meta_used;
	uint32_t **radix;       /* 2 MiB granule of the address -> region id + 1, two levels */
	struct jr_region *regions;
	uint32_t nregions;      /* ids handed out so far */
	uint32_t free_region;   /* own-mapping region ids to reuse (list through next_partial) */
	uint32_t partial[JR_MEM_CLASSES]; /* per class: regions with a free slot */
	uint32_t warm[JR_MEM_CLASSES];    /* per class: regions with a recycled (warm) slot, taken first */
	uint64_t recycle_max;   /* recycled slots hold at most this many bytes (JR_MS_RECYCLED_BYTES) */

	/* The mapping budget (range_memory.c, "Mappings"). */
	int64_t max_map_count;  /* /proc/sys/vm/max_map_count, read once */
	int64_t map_limit;      /* no new mapping past this many in the process */
	int64_t maps_counted;   /* /proc/self/maps lines at the last count */
	int64_t maps_delta;     /* mappings this library made (+) or ended (-) since */
	uint64_t counted_at;    /* jr_k_now_ns of the last count */
	uint32_t events;        /* mapping changes since the last count */

	/* enum jr_memory_stat figures, under lock */
	uint64_t st[JR_MS_COUNT];
};

int jr_mem_init(struct jr_memory *m);
/* Unmaps every region byte no range holds; a range still live or handed over keeps its memory. */
void jr_mem_destroy(struct jr_memory *m);

/*
 * len bytes (a page multiple) of zeroed private memory, MADV_NOHUGEPAGE, not registered, owner
 * JR_MEM_HELD: a recycled slot of its size class if there is one, else a fresh slot, or a mapping
 * of its own above the largest class.
 * -EMFILE when it would need a new mapping past the budget, -ENOMEM when the kernel refuses one.
 */
int jr_mem_alloc(struct jr_memory *m, uint64_t len, uint64_t *base_out);
/* The memory back (MADV_DONTNEED, so it reads zero at its next use; an own mapping is unmapped). The
 * slot must be HELD and unregistered. */
void jr_mem_free(struct jr_memory *m, uint64_t base);
/*
 * The slot of a range that was never registered, whose first used bytes it may have written: kept for
 * the next allocation of its size class (zeroed, tail MADV_DONTNEED'd, MADV_FREE'd: range_memory.c,
 * "Recycling") while the recycled slots hold at most recycle_max bytes; otherwise, and for an own
 * mapping, jr_mem_free. Returns 1 when recycled. The slot must be HELD and unregistered.
 */
int jr_mem_recycle(struct jr_memory *m, uint64_t base, uint64_t used);
/* The bound on recycled bytes (0, the default of jr_mem_init: nothing is recycled). */
void jr_mem_set_recycle_max(struct jr_memory *m, uint64_t bytes);
/* detach: the first len bytes of the slot are the caller's for good (never reused, never unmapped). */
void jr_mem_hand_over(struct jr_memory *m, uint64_t base, uint64_t len);

/* Index: a HELD slot starting at base, holding len bytes, gets its table owner; else -EEXIST. */
int jr_mem_set_owner(struct jr_memory *m, uint64_t base, uint64_t len, uint32_t owner);
/* Back to HELD if owner owns the slot at base (no-op otherwise). */
void jr_mem_clear_owner(struct jr_memory *m, uint64_t base, uint32_t owner);
/* The owner of the slot holding addr (writers' view, takes the lock): for checks. */
uint32_t jr_mem_owner_at(struct jr_memory *m, uint64_t addr);
/* The fault service's lookup: the owner of the slot holding addr. Never waits for a writer. */
uint32_t jr_mem_lookup(struct jr_memory *m, uint64_t addr);

/* UFFDIO_REGISTER / UNREGISTER of the whole slot holding [base, base+len), within the budget:
 * -EMFILE when registering would split a mapping past it, else the ioctl's result. */
int jr_mem_register(struct jr_memory *m, int uffd, uint64_t base, uint64_t len, int wp);
int jr_mem_unregister(struct jr_memory *m, int uffd, uint64_t base, uint64_t len);

/* The budget: at most limit mappings in the process (clamped to vm.max_map_count); 0 restores the default. */
void jr_mem_set_map_limit(struct jr_memory *m, int64_t limit);
/* Copies min(n, JR_MS_COUNT) figures (enum jr_memory_stat); returns how many. */
int jr_mem_stats(struct jr_memory *m, uint64_t *out, int n);

#endif
