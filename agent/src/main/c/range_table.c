/*
 * The range table: fixed-capacity slots plus a sorted index of [base, end) -> slot.
 *
 * Concurrency, decided once here:
 *  - Writers are Java threads inside jr_range_add / jr_range_remove (FFM downcalls, so in
 *    _thread_in_native: they may wait without holding up a safepoint). They serialise on
 *    svc->writers.
 *  - The only reader of the index is the fault service thread. It must never wait for a
 *    writer, so the index is a seqlock: a writer makes index_seq odd, edits the array in
 *    place with relaxed atomic stores, and makes it even again; the reader retries a binary
 *    search whose sequence changed. Capacity is fixed, so a torn read never leaves the array.
 *  - A slot's contents (source, snapshot chunks, hold) are guarded by slot->lock, which is
 *    held only around work that cannot fault on a registered range (see range_protocol.c).
 *  - Removal must not munmap or free a snapshot the service is using. The service publishes
 *    the slot it works on in current_slot (seq_cst) before taking the slot lock and checks the
 *    state after; jr_range_remove sets DEAD under the lock, then waits while current_slot
 *    names the slot. Either the service sees DEAD, or the remover sees the hazard.
 *  - Handles are (generation << 32 | slot): a stale handle (double free, use after free) is
 *    refused with -EBADF instead of touching whoever reuses the slot.
 */
#include "jr_internal.h"

#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static void *map_anon(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int jr_table_init(struct jr_service *svc)
{
	svc->slots = map_anon(sizeof(struct jr_slot) * (size_t)svc->capacity);
	svc->index = map_anon(sizeof(struct jr_index_entry) * (size_t)svc->capacity);
	if (!svc->slots || !svc->index)
		return -ENOMEM;
	for (uint32_t i = 0; i < svc->capacity; i++) {
		pthread_mutex_init(&svc->slots[i].lock, NULL);
		svc->slots[i].state = JR_STATE_FREE;
		svc->slots[i].next_free = i + 1 < svc->capacity ? i + 1 : JR_NO_SLOT;
	}
	svc->free_head = 0;
	pthread_mutex_init(&svc->writers, NULL);
	svc->current_slot = JR_NO_SLOT;
	return 0;
}

void jr_table_destroy(struct jr_service *svc)
{
	if (svc->slots) {
		for (uint32_t i = 0; i < svc->capacity; i++)
			if (svc->slots[i].state != JR_STATE_FREE)
				jr_free_chunks(&svc->slots[i]);
		munmap(svc->slots, sizeof(struct jr_slot) * (size_t)svc->capacity);
	}
	if (svc->index)
		munmap(svc->index, sizeof(struct jr_index_entry) * (size_t)svc->capacity);
}

static void seq_begin(struct jr_service *svc)
{
	uint64_t s = __atomic_load_n(&svc->index_seq, __ATOMIC_RELAXED);
	__atomic_store_n(&svc->index_seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void seq_end(struct jr_service *svc)
{
	uint64_t s = __atomic_load_n(&svc->index_seq, __ATOMIC_RELAXED);
	__atomic_store_n(&svc->index_seq, s + 1, __ATOMIC_RELEASE);
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
static uint32_t lower_bound(struct jr_service *svc, uint64_t addr)
{
	uint32_t lo = 0, hi = svc->index_count;
	while (lo < hi) {
		uint32_t mid = lo + (hi - lo) / 2;
		if (svc->index[mid].base < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

uint32_t jr_index_lookup(struct jr_service *svc, uint64_t addr)
{
	for (;;) {
		uint64_t s1 = __atomic_load_n(&svc->index_seq, __ATOMIC_ACQUIRE);
		if (s1 & 1) {
			sched_yield();
			continue;
		}
		uint32_t n = __atomic_load_n(&svc->index_count, __ATOMIC_RELAXED);
		if (n > svc->capacity)
			n = svc->capacity;
		uint32_t found = JR_NO_SLOT;
		int64_t lo = 0, hi = (int64_t)n - 1;
		while (lo <= hi) {
			int64_t mid = lo + (hi - lo) / 2;
			uint64_t b = __atomic_load_n(&svc->index[mid].base, __ATOMIC_RELAXED);
			uint64_t e = __atomic_load_n(&svc->index[mid].end, __ATOMIC_RELAXED);
			if (addr < b) {
				hi = mid - 1;
			} else if (addr >= e) {
				lo = mid + 1;
			} else {
				found = __atomic_load_n(&svc->index[mid].slot, __ATOMIC_RELAXED);
				break;
			}
		}
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&svc->index_seq, __ATOMIC_RELAXED) == s1)
			return found < svc->capacity ? found : JR_NO_SLOT;
	}
}

struct jr_slot *jr_slot_of(struct jr_service *svc, int64_t handle, int *err)
{
	if (!svc || handle < 0) {
		*err = -EBADF;
		return NULL;
	}
	uint32_t idx = (uint32_t)(handle & 0xffffffff);
	uint32_t gen = (uint32_t)((uint64_t)handle >> 32);
	if (idx >= svc->capacity) {
		*err = -EBADF;
		return NULL;
	}
	struct jr_slot *sl = &svc->slots[idx];
	if (__atomic_load_n(&sl->gen, __ATOMIC_ACQUIRE) != gen) {
		*err = -EBADF;
		return NULL;
	}
	return sl;
}

JR_API int64_t jr_range_add(struct jr_service *svc, uint64_t len, int source, int file_fd, uint64_t file_off,
			    uint64_t *base_out)
{
	if (!svc)
		return -EBADF;
	if (__atomic_load_n(&svc->stopping, __ATOMIC_ACQUIRE) != JR_RUN)
		return -ESHUTDOWN;
	if (len == 0 || len > UINT64_MAX - svc->page_size || !base_out)
		return -EINVAL;
	len = (len + svc->page_size - 1) & ~(svc->page_size - 1);
	if (source < 0 || source >= JR_SOURCE_COUNT)
		return -EINVAL;
	if (source == JR_SOURCE_SNAPSHOT && !jr_lz4_load())
		return -ENOPKG;
	if (source == JR_SOURCE_FILE && file_fd < 0)
		return -EBADF;
	uint32_t nchunks = (uint32_t)((len + svc->chunk_bytes - 1) / svc->chunk_bytes);
	struct jr_chunk **chunks = NULL;
	if (source == JR_SOURCE_SNAPSHOT) {
		chunks = calloc(nchunks, sizeof(*chunks));
		if (!chunks)
			return -ENOMEM;
	}
	void *map = map_anon(len);
	if (!map) {
		int e = errno;
		free(chunks);
		return -e;
	}
	/* khugepaged would merge restored pages into a huge page that is no longer droppable. */
	if (madvise(map, len, MADV_NOHUGEPAGE) != 0) {
		int e = errno;
		munmap(map, len);
		free(chunks);
		return -e;
	}
	uint64_t base = (uint64_t)(uintptr_t)map;

	pthread_mutex_lock(&svc->writers);
	uint32_t pos = lower_bound(svc, base);
	int overlap = (pos < svc->index_count && svc->index[pos].base < base + len) ||
		      (pos > 0 && svc->index[pos - 1].end > base);
	if (overlap || svc->free_head == JR_NO_SLOT) {
		pthread_mutex_unlock(&svc->writers);
		munmap(map, len);
		free(chunks);
		return overlap ? -EEXIST : -ENOSPC;
	}
	uint32_t idx = svc->free_head;
	struct jr_slot *sl = &svc->slots[idx];
	svc->free_head = sl->next_free;

	pthread_mutex_lock(&sl->lock);
	sl->source = source;
	sl->base = base;
	sl->len = len;
	sl->nchunks = nchunks;
	sl->chunks = chunks;
	sl->file_fd = source == JR_SOURCE_FILE ? file_fd : -1;
	sl->file_off = file_off;
	sl->hold_start = sl->hold_end = 0;
	sl->ever_marked = 0;
	sl->registered = 0;
	memset(sl->st, 0, sizeof(sl->st));
	sl->state = JR_STATE_LOCKED;
	uint32_t gen = sl->gen + 1;
	__atomic_store_n(&sl->gen, gen, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&sl->lock);

	seq_begin(svc);
	for (uint32_t i = svc->index_count; i > pos; i--)
		entry_copy(&svc->index[i], &svc->index[i - 1]);
	entry_store(&svc->index[pos], base, base + len, idx);
	__atomic_store_n(&svc->index_count, svc->index_count + 1, __ATOMIC_RELAXED);
	seq_end(svc);
	svc->live++;
	pthread_mutex_unlock(&svc->writers);
	*base_out = base;
	return ((int64_t)gen << 32) | idx;
}

int jr_table_remove(struct jr_service *svc, int64_t handle, int unmap)
{
	int err;
	struct jr_slot *sl = jr_slot_of(svc, handle, &err);
	if (!sl)
		return err;
	uint32_t idx = (uint32_t)(handle & 0xffffffff);

	pthread_mutex_lock(&sl->lock);
	if (sl->state == JR_STATE_FREE || sl->state == JR_STATE_DEAD || sl->gen != (uint32_t)((uint64_t)handle >> 32)) {
		pthread_mutex_unlock(&sl->lock);
		return -EBADF;
	}
	if (sl->state == JR_STATE_MARKING || sl->state == JR_STATE_LOCKING) {
		pthread_mutex_unlock(&sl->lock);
		return -EBUSY;
	}
	sl->state = JR_STATE_DEAD;
	pthread_mutex_unlock(&sl->lock);

	pthread_mutex_lock(&svc->writers);
	uint32_t pos = lower_bound(svc, sl->base);
	if (pos < svc->index_count && svc->index[pos].slot == idx) {
		seq_begin(svc);
		for (uint32_t i = pos; i + 1 < svc->index_count; i++)
			entry_copy(&svc->index[i], &svc->index[i + 1]);
		__atomic_store_n(&svc->index_count, svc->index_count - 1, __ATOMIC_RELAXED);
		seq_end(svc);
	}
	pthread_mutex_unlock(&svc->writers);

	/* Wait until the service has let go of this slot (see the header comment). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	while (__atomic_load_n(&svc->current_slot, __ATOMIC_SEQ_CST) == idx)
		sched_yield();

	/* The service no longer touches the slot: unregistering wakes any thread still waiting on
	 * one of its faults, and only then may the memory go. */
	pthread_mutex_lock(&sl->lock);
	if (sl->registered)
		jr_unregister(svc, sl->base, sl->len);
	sl->registered = 0;
	if (unmap)
		munmap((void *)(uintptr_t)sl->base, sl->len);
	if (sl->file_fd >= 0)
		close(sl->file_fd);
	sl->file_fd = -1;
	jr_free_chunks(sl);
	sl->state = JR_STATE_FREE;
	pthread_mutex_unlock(&sl->lock);

	pthread_mutex_lock(&svc->writers);
	sl->next_free = svc->free_head;
	svc->free_head = idx;
	svc->live--;
	pthread_mutex_unlock(&svc->writers);
	return 0;
}

JR_API int jr_range_remove(struct jr_service *svc, int64_t handle) { return jr_table_remove(svc, handle, 1); }

JR_API int jr_service_live_ranges(struct jr_service *svc)
{
	if (!svc)
		return -EBADF;
	pthread_mutex_lock(&svc->writers);
	int n = (int)svc->live;
	pthread_mutex_unlock(&svc->writers);
	return n;
}

/* Pages of [base, base+len) present now, by mincore in bounded steps. */
static uint64_t resident_pages(uint64_t base, uint64_t len, uint64_t ps)
{
	unsigned char vec[JR_MAX_CHUNK_PAGES];
	uint64_t n = 0;
	for (uint64_t off = 0; off < len; off += (uint64_t)sizeof(vec) * ps) {
		uint64_t step = len - off < (uint64_t)sizeof(vec) * ps ? len - off : (uint64_t)sizeof(vec) * ps;
		uint64_t np = step / ps;
		if (mincore((void *)(uintptr_t)(base + off), step, vec) != 0)
			return n;
		for (uint64_t i = 0; i < np; i++)
			n += vec[i] & 1;
	}
	return n;
}

JR_API int jr_range_stats(struct jr_service *svc, int64_t handle, uint64_t *out, int n)
{
	int err;
	struct jr_slot *sl = jr_slot_of(svc, handle, &err);
	if (!sl)
		return err;
	if (n < 0)
		return -EINVAL;
	if (n > JR_RS_COUNT)
		n = JR_RS_COUNT;
	uint64_t v[JR_RS_COUNT];
	for (int i = 0; i < JR_RS_COUNT; i++)
		v[i] = jr_load(&sl->st[i]);
	int state = __atomic_load_n(&sl->state, __ATOMIC_ACQUIRE);
	v[JR_RS_STATE] = (uint64_t)state;
	v[JR_RS_SOURCE] = (uint64_t)sl->source;
	v[JR_RS_REGISTERED] = (uint64_t)__atomic_load_n(&sl->registered, __ATOMIC_RELAXED);
	v[JR_RS_BYTES] = sl->len;
	/* Last, so a restore that lands in between shows as resident and not yet counted, never as
	 * counted and absent. A removed range's memory is not ours to look at. */
	v[JR_RS_RESIDENT_PAGES] = state == JR_STATE_FREE || state == JR_STATE_DEAD
					  ? 0
					  : resident_pages(sl->base, sl->len, svc->page_size);
	for (int i = 0; i < n; i++)
		out[i] = v[i];
	return n;
}
