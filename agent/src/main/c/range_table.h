/*
 * The range table: slots committed as used (up to a fixed capacity), the index of address -> slot
 * for the fault service (kept by the ranges' memory, range_memory.c, which also holds every range's
 * bytes), handles with generations, and the service's hazard. Its concurrency is decided in
 * range_table.c. It never moves a state (range_state.c does) and never calls a source.
 */
#ifndef JR_RANGE_TABLE_H
#define JR_RANGE_TABLE_H

#include "jreclaim.h"
#include "range_memory.h"

#include <pthread.h>
#include <stdint.h>

#define JR_NO_SLOT UINT32_MAX

struct jr_slot {
	pthread_mutex_t lock;  /* use jr_slot_lock/unlock: check builds record the owner */
	pthread_t owner;       /* check builds: the thread holding lock */
	int owned;             /* check builds: lock is held */
	int state;             /* enum jr_state; moved by jr_state_move only, under lock */
	uint32_t gen;          /* bumped on every add: stale handles are refused */
	int source;            /* enum jr_source; immutable while live */
	uint64_t base, len;    /* immutable while live */
	int registered;        /* with the userfaultfd since the first mark; under lock */
	int ever_marked;       /* under lock */
	uint64_t hold_start, hold_end; /* pages a marker keeps write-protected (hold.c); under lock */
	void *src;             /* the source's own state (source_*.c) */
	uint32_t next_free;    /* free list link (table writers) */
	uint64_t st[JR_RS_COUNT]; /* figures, updated with jr_add */
	uint32_t pins;         /* jr_range_pin calls not yet unpinned (range_protocol.c); under lock */
	uint64_t *written;     /* chunks written since their mark, a bit each (written.c), from the first mark with WP; under lock */
	uint64_t written_inline; /* the bits of a range of at most 64 chunks */
	/* Restorers (fault service workers) hold it shared from producing a chunk to clearing its WP;
	 * whoever changes write-protection otherwise (a marker's hold window, a WP fault's answer) holds
	 * it exclusive: use jr_window_*. Taken before the slot lock, never while holding it. */
	pthread_rwlock_t window;
	/* Sequential prefetch (fault_service.c), under lock: where a sequential reader faults next, the
	 * next chunk to restore ahead of it and the end of that window, and how many chunks ahead. */
	uint64_t pf_expect, pf_next, pf_end;
	uint32_t pf_depth;
	int pf_helped; /* a helper was asked for this window */
	/* The chunk each service worker is restoring (its start), or 0, under lock: a second restore of that
	 * chunk waits on `restored` (jr_slot_wait) instead of producing it again. */
	uint64_t inflight[JR_MAX_WORKERS];
	pthread_cond_t restored;
};

struct jr_table {
	uint32_t capacity;
	struct jr_slot *slots;   /* capacity slots reserved (MAP_NORESERVE), the first `used` initialised */
	pthread_mutex_t writers; /* free list, used, live */
	pthread_t writer;        /* check builds: who holds writers */
	uint32_t free_head;
	uint32_t used;           /* high-water mark: slots ever claimed (atomic for readers) */
	uint32_t live;           /* claimed slots */
	struct jr_memory mem;    /* the ranges' bytes and the index (range_memory.c) */
	uint32_t hazard[JR_MAX_WORKERS]; /* the slot each service worker is working on, or JR_NO_SLOT */
};

static inline uint64_t jr_load(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void jr_add(uint64_t *p, uint64_t v) { __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }

int jr_table_init(struct jr_table *t, uint32_t capacity);
void jr_table_destroy(struct jr_table *t);

void jr_slot_lock(struct jr_slot *sl);
void jr_slot_unlock(struct jr_slot *sl);
/* With the slot lock held: waits for a jr_slot_broadcast (the lock is released meanwhile). */
void jr_slot_wait(struct jr_slot *sl);
void jr_slot_broadcast(struct jr_slot *sl);
/* Check builds: aborts unless this thread holds sl->lock. */
void jr_slot_assert_locked(const struct jr_slot *sl);

/* A FREE slot off the free list, or JR_NO_SLOT when the table is full. */
uint32_t jr_table_claim(struct jr_table *t);
/* Back onto the free list; the slot must be FREE and out of the index. */
void jr_table_release(struct jr_table *t, uint32_t idx);
/* A new generation for a claimed slot (under its lock); returns the handle. */
int64_t jr_table_new_handle(struct jr_table *t, uint32_t idx);
/* The slot a handle names if its generation matches (its state may be FREE), else NULL, -EBADF. */
struct jr_slot *jr_table_slot_of(struct jr_table *t, int64_t handle, int *err);
uint32_t jr_handle_gen(int64_t handle);
uint32_t jr_handle_slot(int64_t handle);

/* Slots ever claimed: every slot at or above is FREE and untouched. */
uint32_t jr_table_used(struct jr_table *t);

/* Adds [sl->base, sl->base + sl->len) -> idx to the index; -EEXIST unless it is a memory slot
 * (jr_mem_alloc) that no range holds. */
int jr_table_index_insert(struct jr_table *t, uint32_t idx);
/* Takes idx out of the index (no-op if it is not in). */
void jr_table_index_remove(struct jr_table *t, uint32_t idx);
/* The service's lookup: the slot whose range holds addr, or JR_NO_SLOT. Never waits for a writer. */
uint32_t jr_table_lookup(struct jr_table *t, uint64_t addr);
int jr_table_live(struct jr_table *t);

/* A service worker (0 <= worker < JR_MAX_WORKERS) publishes the slot it works on before taking its lock,
 * and clears it after. */
void jr_table_hazard_set(struct jr_table *t, uint32_t worker, uint32_t idx);
void jr_table_hazard_clear(struct jr_table *t, uint32_t worker);
/* Waits until no worker works on idx, which must be DEAD and out of the index. */
void jr_table_hazard_wait(struct jr_table *t, uint32_t idx);

/* The slot's restore window lock (struct jr_slot.window): shared for restorers, exclusive for whoever
 * changes write-protection on the range's pages outside a restore. */
void jr_window_restore_begin(struct jr_slot *sl);
void jr_window_restore_end(struct jr_slot *sl);
void jr_window_exclusive_begin(struct jr_slot *sl);
void jr_window_exclusive_end(struct jr_slot *sl);
/* Waits until every restore that began before this call has ended (a marker, before it frees a
 * snapshot chunk it swapped out: a restorer may be decoding it). Caller holds no slot lock. */
void jr_window_quiesce(struct jr_slot *sl);

#endif
