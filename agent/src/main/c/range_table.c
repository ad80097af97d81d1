/*
 * The range table: fixed-capacity slots plus a sorted index of [base, end) -> slot.
 *
 * Concurrency, decided once here:
 *  - Writers are Java threads inside jr_range_add / jr_range_remove (FFM downcalls, so in
 *    _thread_in_native: they may wait without holding up a safepoint). They serialise on
 *    t->writers.
 *  - The only reader of the index is the fault service thread. It must never wait for a
 *    writer, so the index is a seqlock: a writer makes index_seq odd, edits the array in
 *    place with relaxed atomic stores, and makes it even again; the reader retries a binary
 *    search whose sequence changed. Capacity is fixed, so a torn read never leaves the array.
 *  - A slot's contents (source state, hold window, registration) are guarded by slot->lock,
 *    which is held only around work that cannot fault on a registered range (range_state.c).
 *  - Removal must not munmap or free a snapshot the service is using. The service publishes
 *    the slot it works on in the hazard (seq_cst) before taking the slot lock and checks the
 *    state after; the remover sets DEAD under the lock, then waits while the hazard names the
 *    slot. Either the service sees DEAD, or the remover sees the hazard.
 *  - Handles are (generation << 32 | slot): a stale handle (double free, use after free) is
 *    refused with -EBADF instead of touching whoever reuses the slot.
 *
 * Check builds (check.h) verify each rule: writers held for every index and free-list edit, the
 * sequence even when a writer begins and when a lookup is accepted, the index sorted and
 * disjoint after every edit, the hazard set only by one worker at a time and waited for only on a
 * DEAD slot out of the index, and the slot lock held wherever its fields change.
 */
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

void jr_slot_assert_locked(const struct jr_slot *sl)
{
	JR_CHECK(sl->owned && pthread_equal(sl->owner, pthread_self()), "slot lock not held by this thread");
	(void)sl;
}

int jr_table_init(struct jr_table *t, uint32_t capacity)
{
	memset(t, 0, sizeof(*t));
	t->capacity = capacity;
	t->slots = jr_k_map(sizeof(struct jr_slot) * (uint64_t)capacity);
	t->index = jr_k_map(sizeof(struct jr_index_entry) * (uint64_t)capacity);
	if (!t->slots || !t->index) {
		jr_table_destroy(t);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < capacity; i++) {
		pthread_mutex_init(&t->slots[i].lock, NULL);
		t->slots[i].state = JR_STATE_FREE;
		t->slots[i].next_free = i + 1 < capacity ? i + 1 : JR_NO_SLOT;
	}
	t->free_head = 0;
	pthread_mutex_init(&t->writers, NULL);
	t->hazard = JR_NO_SLOT;
	return 0;
}

void jr_table_destroy(struct jr_table *t)
{
	if (t->slots)
		jr_k_unmap((uint64_t)(uintptr_t)t->slots, sizeof(struct jr_slot) * (uint64_t)t->capacity);
	if (t->index)
		jr_k_unmap((uint64_t)(uintptr_t)t->index, sizeof(struct jr_index_entry) * (uint64_t)t->capacity);
	t->slots = NULL;
	t->index = NULL;
}

uint32_t jr_handle_gen(int64_t handle) { return (uint32_t)((uint64_t)handle >> 32); }
uint32_t jr_handle_slot(int64_t handle) { return (uint32_t)(handle & 0xffffffff); }

uint32_t jr_table_claim(struct jr_table *t)
{
	writers_lock(t);
	uint32_t idx = t->free_head;
	if (idx != JR_NO_SLOT) {
		struct jr_slot *sl = &t->slots[idx];
		JR_CHECK(sl->state == JR_STATE_FREE, "slot %u on the free list is in state %d", idx, sl->state);
		t->free_head = sl->next_free;
		sl->next_free = JR_NO_SLOT;
		t->live++;
		JR_CHECK(t->live <= t->capacity, "more live slots than capacity");
	}
	writers_unlock(t);
	return idx;
}

static int in_index(const struct jr_table *t, uint32_t idx)
{
	for (uint32_t i = 0; i < t->index_count; i++)
		if (t->index[i].slot == idx)
			return 1;
	return 0;
}

void jr_table_release(struct jr_table *t, uint32_t idx)
{
	JR_CHECK(idx < t->capacity, "release of slot %u out of range", idx);
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
	if (idx >= t->capacity)
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

static void seq_begin(struct jr_table *t)
{
	assert_writer(t);
	uint64_t s = __atomic_load_n(&t->index_seq, __ATOMIC_RELAXED);
	JR_CHECK((s & 1) == 0, "index edit begun inside another (seq %llu)", (unsigned long long)s);
	__atomic_store_n(&t->index_seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void check_index(const struct jr_table *t)
{
	if (!JR_CHECKS_ON)
		return;
	JR_CHECK(t->index_count <= t->live, "index holds %u entries for %u live slots", t->index_count, t->live);
	for (uint32_t i = 0; i < t->index_count; i++) {
		const struct jr_index_entry *e = &t->index[i];
		JR_CHECK(e->base < e->end, "index entry %u is empty", i);
		JR_CHECK(e->slot < t->capacity, "index entry %u names slot %u", i, e->slot);
		JR_CHECK(t->slots[e->slot].base == e->base && t->slots[e->slot].base + t->slots[e->slot].len == e->end,
			 "index entry %u disagrees with its slot", i);
		JR_CHECK(i == 0 || t->index[i - 1].end <= e->base, "index not sorted and disjoint at %u", i);
	}
}

static void seq_end(struct jr_table *t)
{
	check_index(t);
	uint64_t s = __atomic_load_n(&t->index_seq, __ATOMIC_RELAXED);
	JR_CHECK((s & 1) == 1, "index edit ended without a begin");
	__atomic_store_n(&t->index_seq, s + 1, __ATOMIC_RELEASE);
}

static void entry_store(struct jr_index_entry *e, uint64_t base, uint64_t end, uint32_t slot)
{
	__atomic_store_n(&e->base, base, __ATOMIC_RELAXED);
	__atomic_store_n(&e->end, end, __ATOMIC_RELAXED);
	__atomic_store_n(&e->slot, slot, __ATOMIC_RELAXED);
}

static void entry_copy(struct jr_index_entry *dst, const struct jr_index_entry *src)
{
	entry_store(dst, __atomic_load_n(&src->base, __ATOMIC_RELAXED), __atomic_load_n(&src->end, __ATOMIC_RELAXED),
		    __atomic_load_n(&src->slot, __ATOMIC_RELAXED));
}

/* First index position whose base is >= addr (writers only). */
static uint32_t lower_bound(struct jr_table *t, uint64_t addr)
{
	assert_writer(t);
	uint32_t lo = 0, hi = t->index_count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (t->index[mid].base < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int jr_table_index_insert(struct jr_table *t, uint32_t idx)
{
	struct jr_slot *sl = &t->slots[idx];
	uint64_t base = sl->base, len = sl->len;
	JR_CHECK(len > 0 && base + len > base, "slot %u has no valid extent", idx);
	writers_lock(t);
	uint32_t pos = lower_bound(t, base);
	if ((pos < t->index_count && t->index[pos].base < base + len) || (pos > 0 && t->index[pos - 1].end > base)) {
		writers_unlock(t);
		return -EEXIST;
	}
	JR_CHECK(t->index_count < t->capacity, "index full with a claimed slot");
	seq_begin(t);
	for (uint32_t i = t->index_count; i > pos; i--)
		entry_copy(&t->index[i], &t->index[i - 1]);
	entry_store(&t->index[pos], base, base + len, idx);
	__atomic_store_n(&t->index_count, t->index_count + 1, __ATOMIC_RELAXED);
	seq_end(t);
	writers_unlock(t);
	return 0;
}

void jr_table_index_remove(struct jr_table *t, uint32_t idx)
{
	struct jr_slot *sl = &t->slots[idx];
	writers_lock(t);
	uint32_t pos = lower_bound(t, sl->base);
	if (pos < t->index_count && t->index[pos].slot == idx) {
		seq_begin(t);
		for (uint32_t i = pos; i + 1 < t->index_count; i++)
			entry_copy(&t->index[i], &t->index[i + 1]);
		__atomic_store_n(&t->index_count, t->index_count - 1, __ATOMIC_RELAXED);
		seq_end(t);
	}
	JR_CHECK(!JR_CHECKS_ON || !in_index(t, idx), "slot %u still in the index after its removal", idx);
	writers_unlock(t);
}

uint32_t jr_table_lookup(struct jr_table *t, uint64_t addr)
{
	for (;;) {
		uint64_t s1 = __atomic_load_n(&t->index_seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			sched_yield();
			continue;
		}
		uint32_t n = __atomic_load_n(&t->index_count, __ATOMIC_RELAXED);
		if (n > t->capacity)
			n = t->capacity;
		uint32_t found = JR_NO_SLOT;
		int64_t lo = 0, hi = (int64_t)n - 1;
		while (lo <= hi) {
			int64_t mid = lo + (hi - lo) / 2;
			uint64_t b = __atomic_load_n(&t->index[mid].base, __ATOMIC_RELAXED);
			uint64_t e = __atomic_load_n(&t->index[mid].end, __ATOMIC_RELAXED);
			if (addr < b) {
				hi = mid - 1;
			} else if (addr >= e) {
				lo = mid + 1;
			} else {
				found = __atomic_load_n(&t->index[mid].slot, __ATOMIC_RELAXED);
				break;
			}
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&t->index_seq, __ATOMIC_RELAXED) == s1) {
			JR_CHECK((s1 & 1) == 0, "lookup accepted an odd sequence");
			return found < t->capacity ? found : JR_NO_SLOT;
		}
	}
}

void jr_table_hazard_set(struct jr_table *t, uint32_t idx)
{
	JR_CHECK(idx < t->capacity, "hazard on slot %u out of range", idx);
	JR_CHECK(__atomic_load_n(&t->hazard, __ATOMIC_RELAXED) == JR_NO_SLOT, "hazard set while already set");
	__atomic_store_n(&t->hazard, idx, __ATOMIC_SEQ_CST);
}

void jr_table_hazard_clear(struct jr_table *t)
{
	JR_CHECK(__atomic_load_n(&t->hazard, __ATOMIC_RELAXED) != JR_NO_SLOT, "hazard cleared while not set");
	__atomic_store_n(&t->hazard, JR_NO_SLOT, __ATOMIC_SEQ_CST);
}

void jr_table_hazard_wait(struct jr_table *t, uint32_t idx)
{
	JR_CHECK(__atomic_load_n(&t->slots[idx].state, __ATOMIC_ACQUIRE) == JR_STATE_DEAD,
		 "hazard wait on slot %u that is not DEAD", idx);
	if (JR_CHECKS_ON) {
		writers_lock(t);
		JR_CHECK(!in_index(t, idx), "hazard wait on slot %u still in the index", idx);
		writers_unlock(t);
	}
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	while (__atomic_load_n(&t->hazard, __ATOMIC_SEQ_CST) == idx)
		sched_yield();
}
