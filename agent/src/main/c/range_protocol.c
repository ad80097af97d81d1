/*
 * Range protocols run by the caller's thread (a Java thread inside an FFM downcall, hence
 * _thread_in_native: it may fault on its own range and wait for the service without holding
 * up a safepoint).
 *
 * State machine (enum jr_state). Who moves it, and what the kernel may do meanwhile:
 *
 *   FREE --add--> LOCKED --mark--> MARKING --> VOLATILE --lock--> LOCKED (or LOCKING --> LOCKED)
 *                   ^  \__________________________/  |  \--mark (refresh)--> MARKING
 *                   |                                 |
 *   any of LOCKED/VOLATILE --remove--> DEAD --> FREE (slot reusable, handle generation bumped)
 *
 *   LOCKED    Owned by the application. Before the first mark every page is ordinary
 *             memory. After a mark, lock() is O(1) for rebuildable sources (ZERO, SNAPSHOT,
 *             FILE): pages stay lazyfree, the kernel may still drop a clean one, and the
 *             service rebuilds it on touch. This holds because of the invariant below.
 *   MARKING   One marker thread owns the range (mark/lock/remove from others get -EBUSY).
 *             For each chunk it write-protects the chunk and records it as the slot's hold
 *             window, copies the pages, compresses them, swaps in the new snapshot chunk,
 *             MADV_FREEs the chunk and clears WP, which wakes any writer that waited.
 *             Writers are therefore never lost: a write either lands before WP (and is in
 *             the copy) or after the MADV_FREE (and the kernel keeps the dirty page).
 *   VOLATILE  The kernel may drop any clean page. A purged page is restored by the service
 *             (ZERO/SNAPSHOT/FILE) or poisoned (POISON: the toucher gets SIGBUS, which the JVM
 *             turns into an InternalError for plain Java accesses, design notes section 4).
 *             Writes are kept by the kernel: a written page is dirty and never dropped.
 *   LOCKING   POISON ranges and close(): a locker re-dirties every page with an atomic no-op
 *             write (lock xadd of 0), so none can be dropped any more; the service answers
 *             missing pages with zeros and counts them purged instead of poisoning.
 *   DEAD      Removal in progress: the service answers events with a wake and no longer
 *             reads the slot; the remover waits until the service has let go of it.
 *
 * Invariant for rebuildable sources, in every state: each page is either dirty (written since
 * the last MADV_FREE that covered it, so the kernel keeps it) or equal to its source. The
 * service keeps it with the write-protect protocol (fault_service.c); the marker keeps it
 * with the hold window. That is why lock() need not touch pages, and why a page that mincore
 * reports missing at mark time can take its bytes from the previous snapshot.
 *
 * Locks. slot->lock is held only around work that cannot fault on a registered range
 * (ioctls, decompressing a snapshot chunk, swapping chunk pointers); anything that reads or
 * writes range pages (the marker's copy, the locker's re-dirty) runs with it released, since
 * a fault there needs the service, and the service takes the lock.
 */
#define _GNU_SOURCE
#include "jr_internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

int jr_wp(struct jr_service *svc, uint64_t start, uint64_t len, int protect)
{
	struct uffdio_writeprotect w = {.range = {.start = start, .len = len},
					.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
	return ioctl(svc->uffd, UFFDIO_WRITEPROTECT, &w) == 0 ? 0 : -errno;
}

int jr_wake(struct jr_service *svc, uint64_t start, uint64_t len)
{
	struct uffdio_range r = {.start = start, .len = len};
	return ioctl(svc->uffd, UFFDIO_WAKE, &r) == 0 ? 0 : -errno;
}

int jr_unregister(struct jr_service *svc, uint64_t start, uint64_t len)
{
	struct uffdio_range r = {.start = start, .len = len};
	return ioctl(svc->uffd, UFFDIO_UNREGISTER, &r) == 0 ? 0 : -errno;
}

static int uffd_register(struct jr_service *svc, uint64_t start, uint64_t len)
{
	struct uffdio_register r = {.range = {.start = start, .len = len},
				    .mode = UFFDIO_REGISTER_MODE_MISSING |
					    ((svc->flags & JR_SVC_WP) ? UFFDIO_REGISTER_MODE_WP : 0)};
	return ioctl(svc->uffd, UFFDIO_REGISTER, &r) == 0 ? 0 : -errno;
}

void jr_free_chunks(struct jr_slot *sl)
{
	if (sl->chunks) {
		for (uint32_t i = 0; i < sl->nchunks; i++)
			free(sl->chunks[i]);
		free(sl->chunks);
	}
	sl->chunks = NULL;
	sl->nchunks = 0;
	__atomic_store_n(&sl->st[JR_RS_SNAPSHOT_BYTES], 0, __ATOMIC_RELAXED);
}

int jr_chunk_decode(const struct jr_chunk *c, unsigned char *dst, size_t len)
{
	if (c->raw) {
		if (c->stored_len != len)
			return -EIO;
		memcpy(dst, c->data, len);
		return 0;
	}
	int n = jr_lz4_decompress((const char *)c->data, (char *)dst, (int)c->stored_len, (int)len);
	return n == (int)len ? 0 : -EIO;
}

void jr_touch_write(uint64_t start, uint64_t len, uint64_t page_size)
{
	for (uint64_t p = start; p < start + len; p += page_size)
		__atomic_fetch_add((volatile uint64_t *)(uintptr_t)p, 0, __ATOMIC_RELAXED);
}

static void set_state(struct jr_slot *sl, int state) { __atomic_store_n(&sl->state, state, __ATOMIC_RELEASE); }

/* Takes the range for a protocol: returns the previous state, or -errno. */
static int enter(struct jr_service *svc, int64_t handle, struct jr_slot **out, int new_state)
{
	int err;
	struct jr_slot *sl = jr_slot_of(svc, handle, &err);
	if (!sl)
		return err;
	pthread_mutex_lock(&sl->lock);
	int st = sl->state;
	if (st == JR_STATE_FREE || st == JR_STATE_DEAD || sl->gen != (uint32_t)((uint64_t)handle >> 32)) {
		pthread_mutex_unlock(&sl->lock);
		return -EBADF;
	}
	if (st == JR_STATE_MARKING || st == JR_STATE_LOCKING) {
		pthread_mutex_unlock(&sl->lock);
		return -EBUSY;
	}
	if (new_state >= 0)
		set_state(sl, new_state);
	pthread_mutex_unlock(&sl->lock);
	*out = sl;
	return st;
}

static void hold(struct jr_service *svc, struct jr_slot *sl, uint64_t w0, uint64_t wlen, int wp)
{
	pthread_mutex_lock(&sl->lock);
	sl->hold_start = w0;
	sl->hold_end = w0 + wlen;
	if (wp)
		jr_wp(svc, w0, wlen, 1);
	pthread_mutex_unlock(&sl->lock);
}

/* Clears WP on the hold window (waking every writer that waited) and ends the hold. */
static void release(struct jr_service *svc, struct jr_slot *sl, uint64_t w0, uint64_t wlen, int wp)
{
	pthread_mutex_lock(&sl->lock);
	if (wp)
		jr_wp(svc, w0, wlen, 0);
	else
		jr_wake(svc, w0, wlen);
	sl->hold_start = sl->hold_end = 0;
	pthread_mutex_unlock(&sl->lock);
}

static int all_zero(const unsigned char *p, size_t n)
{
	const uint64_t *q = (const uint64_t *)p;
	for (size_t i = 0; i < n / 8; i++)
		if (q[i])
			return 0;
	return 1;
}

static int mark_snapshot(struct jr_service *svc, struct jr_slot *sl, int wp)
{
	uint64_t ps = svc->page_size, cb = svc->chunk_bytes;
	int bound = jr_lz4_bound((int)cb);
	unsigned char *buf = malloc(cb), *old = malloc(cb), *vec = malloc(svc->chunk_pages);
	struct jr_chunk *cbuf = malloc(sizeof(struct jr_chunk) + (size_t)bound);
	int err = 0;
	if (!buf || !old || !vec || !cbuf) {
		err = -ENOMEM;
		goto out;
	}
	uint64_t total = 0;
	for (uint32_t ci = 0; ci < sl->nchunks; ci++) {
		uint64_t w0 = sl->base + (uint64_t)ci * cb;
		uint64_t wlen = sl->base + sl->len - w0 < cb ? sl->base + sl->len - w0 : cb;
		uint64_t np = wlen / ps;
		hold(svc, sl, w0, wlen, wp);
		if (mincore((void *)(uintptr_t)w0, wlen, vec) != 0)
			memset(vec, 1, np);
		struct jr_chunk *prev = sl->chunks[ci]; /* only markers swap chunks; we are the marker */
		int old_ready = 0;
		for (uint64_t p = 0; p < np; p++) {
			unsigned char *dst = buf + p * ps;
			if (vec[p] & 1) {
				memcpy(dst, (const void *)(uintptr_t)(w0 + p * ps), ps);
			} else if (!prev) {
				memset(dst, 0, ps); /* never touched, or all zero at the last mark */
			} else {
				if (!old_ready) {
					if (jr_chunk_decode(prev, old, wlen) != 0) {
						err = -EIO;
						release(svc, sl, w0, wlen, wp);
						goto out;
					}
					old_ready = 1;
				}
				memcpy(dst, old + p * ps, ps); /* purged since: its bytes are the old snapshot's */
			}
		}
		struct jr_chunk *next = NULL;
		if (!all_zero(buf, wlen)) {
			int n = jr_lz4_compress((const char *)buf, (char *)cbuf->data, (int)wlen, bound);
			int raw = n <= 0 || (uint64_t)n >= wlen;
			size_t stored = raw ? wlen : (size_t)n;
			next = malloc(sizeof(struct jr_chunk) + stored);
			if (!next) {
				err = -ENOMEM;
				release(svc, sl, w0, wlen, wp);
				goto out;
			}
			next->stored_len = (uint32_t)stored;
			next->raw = (uint32_t)raw;
			memcpy(next->data, raw ? buf : cbuf->data, stored);
			total += sizeof(struct jr_chunk) + stored;
		}
		/* The new snapshot goes in before MADV_FREE: from then on the kernel may drop a page and a
		 * reader refault it at once, and the service must rebuild it from this copy. The previous
		 * one lacks every write made since the last mark. */
		pthread_mutex_lock(&sl->lock);
		struct jr_chunk *replaced = sl->chunks[ci];
		sl->chunks[ci] = next;
		pthread_mutex_unlock(&sl->lock);
		madvise((void *)(uintptr_t)w0, wlen, MADV_FREE);
		release(svc, sl, w0, wlen, wp);
		free(replaced);
	}
	__atomic_store_n(&sl->st[JR_RS_SNAPSHOT_BYTES], total, __ATOMIC_RELAXED);
out:
	free(buf);
	free(old);
	free(vec);
	free(cbuf);
	return err;
}

static void mark_plain(struct jr_service *svc, struct jr_slot *sl, int wp)
{
	uint64_t step = svc->chunk_bytes * 16;
	for (uint64_t w0 = sl->base; w0 < sl->base + sl->len; w0 += step) {
		uint64_t wlen = sl->base + sl->len - w0 < step ? sl->base + sl->len - w0 : step;
		hold(svc, sl, w0, wlen, wp);
		madvise((void *)(uintptr_t)w0, wlen, MADV_FREE);
		release(svc, sl, w0, wlen, wp);
	}
}

JR_API int jr_range_mark(struct jr_service *svc, int64_t handle)
{
	struct jr_slot *sl;
	int prev = enter(svc, handle, &sl, JR_STATE_MARKING);
	if (prev < 0)
		return prev;
	int wp = (svc->flags & JR_SVC_WP) != 0;
	int err = 0;
	pthread_mutex_lock(&sl->lock);
	if (!sl->registered) {
		/* First mark: from here on a missing page may be a purged one, which only the service
		 * can answer. Before, the kernel zero-fills untouched pages by itself. */
		err = uffd_register(svc, sl->base, sl->len);
		if (err) {
			set_state(sl, prev);
			pthread_mutex_unlock(&sl->lock);
			return err;
		}
		__atomic_store_n(&sl->registered, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&sl->lock);
	if (sl->source == JR_SOURCE_POISON && prev == JR_STATE_VOLATILE) {
		/* Nothing to refresh, and populating would zero-fill purged pages unseen: a POISON
		 * range stays marked until lock() has said whether it lost anything. */
		pthread_mutex_lock(&sl->lock);
		set_state(sl, JR_STATE_VOLATILE);
		pthread_mutex_unlock(&sl->lock);
		return 0;
	}
	/* Set before the first chunk is freed: from then on a missing page may be a purged one,
	 * and the service must rebuild it from the snapshot (a chunk not snapshotted yet was
	 * never touched, so its absent chunk correctly means zeros). */
	pthread_mutex_lock(&sl->lock);
	sl->ever_marked = 1;
	pthread_mutex_unlock(&sl->lock);
	jr_drain_all_cpus(svc); /* pages just written must be on the LRU for MADV_FREE to take them */
	switch (sl->source) {
	case JR_SOURCE_SNAPSHOT:
		if (!wp) {
			err = -EOPNOTSUPP; /* a snapshot racing writers needs UFFD_FEATURE_PAGEFAULT_FLAG_WP */
			break;
		}
		err = mark_snapshot(svc, sl, wp);
		break;
	case JR_SOURCE_POISON:
		/* Populate first, so that a page missing later was purged, never merely untouched. */
		jr_touch_write(sl->base, sl->len, svc->page_size);
		mark_plain(svc, sl, wp);
		break;
	default:
		mark_plain(svc, sl, wp);
		break;
	}
	jr_drain_all_cpus(svc);
	pthread_mutex_lock(&sl->lock);
	if (err) {
		set_state(sl, prev);
	} else {
		__atomic_store_n(&sl->st[JR_RS_PURGED_SINCE_MARK], 0, __ATOMIC_RELAXED);
		jr_add(&sl->st[JR_RS_MARKS], 1);
		set_state(sl, JR_STATE_VOLATILE);
	}
	pthread_mutex_unlock(&sl->lock);
	return err;
}

static int lock_range(struct jr_service *svc, int64_t handle)
{
	struct jr_slot *sl;
	int prev = enter(svc, handle, &sl, -1);
	if (prev < 0)
		return prev;
	pthread_mutex_lock(&sl->lock);
	if (sl->state != JR_STATE_VOLATILE) { /* LOCKED already, or raced with another caller */
		int st = sl->state;
		pthread_mutex_unlock(&sl->lock);
		return st == JR_STATE_LOCKED ? JR_INTACT : -EBUSY;
	}
	if (sl->source != JR_SOURCE_POISON) {
		set_state(sl, JR_STATE_LOCKED); /* O(1): every page can be rebuilt on touch */
		pthread_mutex_unlock(&sl->lock);
		return JR_INTACT;
	}
	set_state(sl, JR_STATE_LOCKING); /* from here on the service zero-fills, never poisons */
	uint64_t lost = jr_load(&sl->st[JR_RS_PAGES_POISONED]) + jr_load(&sl->st[JR_RS_PURGED_SINCE_MARK]);
	pthread_mutex_unlock(&sl->lock);

	if (!lost)
		jr_touch_write(sl->base, sl->len, svc->page_size); /* faults here count as purged */
	lost += jr_load(&sl->st[JR_RS_PURGED_SINCE_MARK]);
	if (lost) {
		/* Content is incomplete: hand back a clean zeroed range, as ashmem does; this also
		 * removes the poison markers. */
		madvise((void *)(uintptr_t)sl->base, sl->len, MADV_DONTNEED);
	}
	pthread_mutex_lock(&sl->lock);
	__atomic_store_n(&sl->st[JR_RS_PAGES_POISONED], 0, __ATOMIC_RELAXED);
	set_state(sl, JR_STATE_LOCKED);
	pthread_mutex_unlock(&sl->lock);
	return lost ? JR_PURGED : JR_INTACT;
}

JR_API int jr_range_lock(struct jr_service *svc, int64_t handle)
{
	int r = lock_range(svc, handle);
	if (r == JR_INTACT)
		jr_add(&svc->c[JR_C_LOCKS_INTACT], 1);
	else if (r == JR_PURGED)
		jr_add(&svc->c[JR_C_LOCKS_PURGED], 1);
	return r;
}

/* Every page resident and non-volatile; lost POISON pages make the range PURGED and zeroed. */
static int settle(struct jr_service *svc, int64_t handle)
{
	struct jr_slot *sl;
	int prev = enter(svc, handle, &sl, JR_STATE_LOCKING);
	if (prev < 0)
		return prev;
	int purged = 0;
	if (sl->source == JR_SOURCE_POISON && jr_load(&sl->st[JR_RS_PAGES_POISONED])) {
		madvise((void *)(uintptr_t)sl->base, sl->len, MADV_DONTNEED);
		purged = 1;
	}
	jr_touch_write(sl->base, sl->len, svc->page_size);
	pthread_mutex_lock(&sl->lock);
	purged |= jr_load(&sl->st[JR_RS_PURGED_SINCE_MARK]) != 0;
	__atomic_store_n(&sl->st[JR_RS_PAGES_POISONED], 0, __ATOMIC_RELAXED);
	set_state(sl, JR_STATE_LOCKED);
	pthread_mutex_unlock(&sl->lock);
	return purged ? JR_PURGED : JR_INTACT;
}

JR_API int jr_range_detach(struct jr_service *svc, int64_t handle)
{
	int r = settle(svc, handle);
	if (r < 0)
		return r;
	/* Every page is resident and dirty now: nothing can fault, and the mapping is the caller's. */
	int err = jr_table_remove(svc, handle, 0);
	return err < 0 ? err : r;
}

JR_API int jr_range_purge(struct jr_service *svc, int64_t handle)
{
	int err;
	struct jr_slot *sl = jr_slot_of(svc, handle, &err);
	if (!sl)
		return err;
	int st = __atomic_load_n(&sl->state, __ATOMIC_ACQUIRE);
	if (st == JR_STATE_FREE || st == JR_STATE_DEAD)
		return -EBADF;
	jr_drain_all_cpus(svc); /* a page just marked may sit in another CPU's lazyfree batch */
	return madvise((void *)(uintptr_t)sl->base, sl->len, MADV_PAGEOUT) == 0 ? 0 : -errno;
}

JR_API int jr_range_pin(struct jr_service *svc, int64_t handle, uint64_t offset, uint64_t len)
{
	int err;
	struct jr_slot *sl = jr_slot_of(svc, handle, &err);
	if (!sl)
		return err;
	if (sl->source == JR_SOURCE_POISON)
		return -EINVAL; /* a poisoned page would SIGBUS in native code: lock() the range */
	if (offset > sl->len || len > sl->len - offset)
		return -ERANGE;
	uint64_t ps = svc->page_size;
	uint64_t a = (sl->base + offset) & ~(ps - 1);
	uint64_t b = (sl->base + offset + len + ps - 1) & ~(ps - 1);
	jr_touch_write(a, b - a, ps);
	return 0;
}
