/*
 * The range table: slots plus the index of address -> slot.
 *
 * Concurrency, decided once here:
 *  - Writers are Java threads inside jr_range_add / jr_range_remove (FFM downcalls, so in
 *    _thread_in_native: they may wait without holding up a safepoint). They serialise on
 *    t->writers for the slots' free list and high-water mark, and on the memory's lock
 *    (range_memory.c) for the index; neither is held while taking the other.
 *  - The only reader of the index is the fault service thread. It must never wait for a
 *    writer, so the index is a seqlock (range_memory.c): a writer makes its sequence odd, edits
 *    in place with relaxed atomic stores, and makes it even again; the reader retries a lookup
 *    (granule -> region -> slot -> owner, O(1) in live ranges) whose sequence changed. Every
 *    pointer a lookup follows stays valid until the table is destroyed, so a torn read never
 *    leaves the index; its answer is only a candidate, checked under the slot's lock.
 *  - Slots are committed as used: capacity slots are reserved (MAP_NORESERVE) and a slot is
 *    initialised when the high-water mark first reaches it, so an idle table costs a page.
 *    Readers bound slot numbers by the mark (release store after the slot is initialised).
 *  - A slot's contents (source state, hold window, registration) are guarded by slot->lock,
 *    which is held only around work that cannot fault on a registered range (range_state.c).
 *  - Removal must not unmap, reuse or free a snapshot the service is using. Each service worker
 *    publishes the slot it works on in its own hazard (seq_cst) before taking the slot lock and
 *    checks the state after; the remover sets DEAD under the lock, then waits while any worker's
 *    hazard names the slot. Either the worker sees DEAD, or the remover sees its hazard.
 *  - Several workers restore at once, on different ranges and on the same one. A restore holds the
 *    slot lock only to read the slot (state, hold window, the source's pointers) and holds the slot's
 *    window lock shared from producing the chunk to clearing its write-protection, so restores of
 *    different chunks of one range run in parallel. Whatever else changes write-protection on the
 *    range (a marker's hold window begins or ends, a WP fault is answered) takes the window lock
 *    exclusive, so none can happen between a restore's COPY and its WP clear (the write-protect
 *    protocol, fault_service.c). A restore of a chunk another worker is restoring waits for it (the
 *    slot's inflight chunks and its `restored` condition, under the slot lock) and then only wakes;
 *    pages installed meanwhile by someone else are sorted out by the kernel (EEXIST).
 *    A marker frees a snapshot chunk it swapped out only after jr_window_quiesce: a restorer may be
 *    decoding it. Lock order: window, then slot lock.
 *  - Handles are (generation << 32 | slot): a stale handle (double free, use after free) is
 *    refused with -EBADF instead of touching whoever reuses the slot.
 *
 * Check builds (check.h) verify each rule: writers held for every free-list edit and the memory's
 * lock for every index edit, the sequence even when a writer begins and when a lookup is accepted,
 * an index entry only for a slot of the memory that no other range holds, each worker's hazard set
 * once at a time and waited for only on a DEAD slot out of the index, and the slot lock held
 * wherever its fields change.
 */
#define _GNU_SOURCE
#include "range_table.h"

#include "check.h"
#include "kernel.h"

#include <errno.h>
#include <sched.h>
#include <string.h>

static void writers_lock(struct jr_table *t)
{
	pthread_mutex_lock(&t->writers);
	if (JR_CHECKS_ON)
		t->writer = pthread_self();
}

static void writers_unlock(struct jr_table *t)
{
	if (JR_CHECKS_ON)
		memset(&t->writer, 0, sizeof(t->writer));
	pthread_mutex_unlock(&t->writers);
}

static void assert_writer(const struct jr_table *t)
{
	JR_CHECK(pthread_equal(t->writer, pthread_self()), "table writers lock not held by this thread");
	(void)t;
}

void jr_slot_lock(struct jr_slot *sl)
{
	pthread_mutex_lock(&sl->lock);
	if (JR_CHECKS_ON) {
		sl->owner = pthread_self();
		sl->owned = 1;
	}
}

void jr_slot_unlock(struct jr_slot *sl)
{
	if (JR_CHECKS_ON) {
		JR_CHECK(sl->owned && pthread_equal(sl->owner, pthread_self()), "slot unlocked by a thread not holding it");
		sl->owned = 0;
	}
	pthread_mutex_unlock(&sl->lock);
}

void jr_slot_wait(struct jr_slot *sl)
{
	jr_slot_assert_locked(sl);
	if (JR_CHECKS_ON)
		sl->owned = 0;
	pthread_cond_wait(&sl->restored, &sl->lock);
	if (JR_CHECKS_ON) {
		sl->owner = pthread_self();
		sl->owned = 1;
	}
}

void jr_slot_broadcast(struct jr_slot *sl)
{
	jr_slot_assert_locked(sl);
	pthread_cond_broadcast(&sl->restored);
}

void jr_slot_assert_locked(const struct jr_slot *sl)
{
	JR_CHECK(sl->owned && pthread_equal(sl->owner, pthread_self()), "slot lock not held by this thread");
	(void)sl;
}

int jr_table_init(struct jr_table *t, uint32_t capacity)
{
	memset(t, 0, sizeof(*t));
	t->capacity = capacity;
	t->slots = jr_k_map(sizeof(struct jr_slot) * (uint64_t)capacity); /* MAP_NORESERVE: touched as used */
	if (!t->slots)
		return -ENOMEM;
	int err = jr_mem_init(&t->mem);
	if (err) {
		jr_table_destroy(t);
		return err;
	}
	jr_mem_set_recycle_max(&t->mem, (uint64_t)JR_RECYCLE_MAX_DEFAULT);
	t->free_head = JR_NO_SLOT;
	pthread_mutex_init(&t->writers, NULL);
	for (uint32_t w = 0; w < JR_MAX_WORKERS; w++)
		t->hazard[w] = JR_NO_SLOT;
	return 0;
}

void jr_table_destroy(struct jr_table *t)
{
	if (t->slots) {
		jr_mem_destroy(&t->mem);
		jr_k_unmap((uint64_t)(uintptr_t)t->slots, sizeof(struct jr_slot) * (uint64_t)t->capacity);
	}
	t->slots = NULL;
}

uint32_t jr_table_used(struct jr_table *t) { return __atomic_load_n(&t->used, __ATOMIC_ACQUIRE); }

uint32_t jr_handle_gen(int64_t handle) { return (uint32_t)((uint64_t)handle >> 32); }
uint32_t jr_handle_slot(int64_t handle) { return (uint32_t)(handle & 0xffffffff); }

uint32_t jr_table_claim(struct jr_table *t)
{
	writers_lock(t);
	uint32_t idx = t->free_head;
	assert_writer(t);
	if (idx == JR_NO_SLOT && t->used < t->capacity) { /* first use of a slot: commit it now */
		idx = t->used;
		struct jr_slot *sl = &t->slots[idx];
		pthread_mutex_init(&sl->lock, NULL);
		pthread_cond_init(&sl->restored, NULL);
		pthread_rwlockattr_t ra;
		pthread_rwlockattr_init(&ra);
		/* A marker's hold must not wait behind a stream of restores. */
		pthread_rwlockattr_setkind_np(&ra, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
		pthread_rwlock_init(&sl->window, &ra);
		pthread_rwlockattr_destroy(&ra);
		sl->state = JR_STATE_FREE;
		sl->next_free = JR_NO_SLOT;
		__atomic_store_n(&t->used, idx + 1, __ATOMIC_RELEASE);
	} else if (idx != JR_NO_SLOT) {
		t->free_head = t->slots[idx].next_free;
	}
	if (idx != JR_NO_SLOT) {
		struct jr_slot *sl = &t->slots[idx];
		JR_CHECK(sl->state == JR_STATE_FREE, "slot %u on the free list is in state %d", idx, sl->state);
		sl->next_free = JR_NO_SLOT;
		t->live++;
		JR_CHECK(t->live <= t->used && t->used <= t->capacity, "more live slots than claimed or capacity");
	}
	writers_unlock(t);
	return idx;
}

static int in_index(struct jr_table *t, uint32_t idx)
{
	struct jr_slot *sl = &t->slots[idx];
	return sl->len && jr_mem_owner_at(&t->mem, sl->base) == idx;
}

void jr_table_release(struct jr_table *t, uint32_t idx)
{
	JR_CHECK(idx < jr_table_used(t), "release of slot %u out of range", idx);
	struct jr_slot *sl = &t->slots[idx];
	writers_lock(t);
	JR_CHECK(__atomic_load_n(&sl->state, __ATOMIC_ACQUIRE) == JR_STATE_FREE, "released slot %u is not FREE", idx);
	JR_CHECK(!JR_CHECKS_ON || !in_index(t, idx), "released slot %u is still in the index", idx);
	JR_CHECK(t->live > 0, "release with no live slot");
	sl->next_free = t->free_head;
	t->free_head = idx;
	t->live--;
	writers_unlock(t);
}

int64_t jr_table_new_handle(struct jr_table *t, uint32_t idx)
{
	struct jr_slot *sl = &t->slots[idx];
	jr_slot_assert_locked(sl);
	uint32_t gen = sl->gen + 1;
	if ((int32_t)gen < 0)
		gen = 1; /* handles stay non-negative: the high bit would make them read as -errno */
	__atomic_store_n(&sl->gen, gen, __ATOMIC_RELEASE);
	return ((int64_t)gen << 32) | idx;
}

struct jr_slot *jr_table_slot_of(struct jr_table *t, int64_t handle, int *err)
{
	*err = -EBADF;
	if (!t || handle < 0)
		return NULL;
	uint32_t idx = jr_handle_slot(handle);
	if (idx >= jr_table_used(t))
		return NULL;
	struct jr_slot *sl = &t->slots[idx];
	if (__atomic_load_n(&sl->gen, __ATOMIC_ACQUIRE) != jr_handle_gen(handle))
		return NULL;
	*err = 0;
	return sl;
}

int jr_table_live(struct jr_table *t)
{
	writers_lock(t);
	int n = (int)t->live;
	writers_unlock(t);
	return n;
}

int jr_table_index_insert(struct jr_table *t, uint32_t idx)
{
	struct jr_slot *sl = &t->slots[idx];
	JR_CHECK(sl->len > 0 && sl->base + sl->len > sl->base, "slot %u has no valid extent", idx);
	return jr_mem_set_owner(&t->mem, sl->base, sl->len, idx);
}

void jr_table_index_remove(struct jr_table *t, uint32_t idx)
{
	struct jr_slot *sl = &t->slots[idx];
	jr_mem_clear_owner(&t->mem, sl->base, idx);
	JR_CHECK(!JR_CHECKS_ON || !in_index(t, idx), "slot %u still in the index after its removal", idx);
}

uint32_t jr_table_lookup(struct jr_table *t, uint64_t addr)
{
	uint32_t found = jr_mem_lookup(&t->mem, addr);
	return found < jr_table_used(t) ? found : JR_NO_SLOT;
}

void jr_table_hazard_set(struct jr_table *t, uint32_t worker, uint32_t idx)
{
	JR_CHECK(worker < JR_MAX_WORKERS, "hazard of worker %u out of range", worker);
	JR_CHECK(idx < jr_table_used(t), "hazard on slot %u out of range", idx);
	JR_CHECK(__atomic_load_n(&t->hazard[worker], __ATOMIC_RELAXED) == JR_NO_SLOT, "hazard set while already set");
	__atomic_store_n(&t->hazard[worker], idx, __ATOMIC_SEQ_CST);
}

void jr_table_hazard_clear(struct jr_table *t, uint32_t worker)
{
	JR_CHECK(worker < JR_MAX_WORKERS, "hazard of worker %u out of range", worker);
	JR_CHECK(__atomic_load_n(&t->hazard[worker], __ATOMIC_RELAXED) != JR_NO_SLOT, "hazard cleared while not set");
	__atomic_store_n(&t->hazard[worker], JR_NO_SLOT, __ATOMIC_SEQ_CST);
}

void jr_table_hazard_wait(struct jr_table *t, uint32_t idx)
{
	JR_CHECK(__atomic_load_n(&t->slots[idx].state, __ATOMIC_ACQUIRE) == JR_STATE_DEAD,
		 "hazard wait on slot %u that is not DEAD", idx);
	JR_CHECK(!JR_CHECKS_ON || !in_index(t, idx), "hazard wait on slot %u still in the index", idx);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	for (uint32_t w = 0; w < JR_MAX_WORKERS; w++)
		while (__atomic_load_n(&t->hazard[w], __ATOMIC_SEQ_CST) == idx)
			sched_yield();
}

void jr_window_restore_begin(struct jr_slot *sl)
{
	JR_CHECK(!sl->owned || !pthread_equal(sl->owner, pthread_self()), "window lock taken under the slot lock");
	pthread_rwlock_rdlock(&sl->window);
}

void jr_window_restore_end(struct jr_slot *sl) { pthread_rwlock_unlock(&sl->window); }

void jr_window_exclusive_begin(struct jr_slot *sl)
{
	JR_CHECK(!sl->owned || !pthread_equal(sl->owner, pthread_self()), "window lock taken under the slot lock");
	pthread_rwlock_wrlock(&sl->window);
}

void jr_window_exclusive_end(struct jr_slot *sl) { pthread_rwlock_unlock(&sl->window); }

void jr_window_quiesce(struct jr_slot *sl)
{
	jr_window_exclusive_begin(sl);
	jr_window_exclusive_end(sl);
}
