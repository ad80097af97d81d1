/*
 * The range API of jreclaim.h, run by the caller's thread (a Java thread inside an FFM downcall,
 * hence _thread_in_native: it may fault on its own range and wait for the service without holding
 * up a safepoint). Each protocol moves the state machine (range_state.c), edits the table, makes
 * its system calls and dispatches to the range's source; it calls nothing of the fault service.
 */
#define _GNU_SOURCE
#include "check.h"
#include "kernel.h"
#include "range_state.h"
#include "range_table.h"
#include "service.h"
#include "source.h"
#include "written.h"

#include <errno.h>
#include <sched.h>
#include <sys/mman.h>

static const struct jr_source_ops *ops_of(const struct jr_slot *sl) { return jr_source_ops(sl->source); }

/* Under the slot lock: a rebuilding range that may still lose single pages (rebuild:file,throw): never touched
 * from C once marked, since a lost page raises SIGBUS there (docs/fault-path.md, "Pinning around native access"). */
static int loses(const struct jr_slot *sl)
{
	const struct jr_source_ops *ops = ops_of(sl);
	return ops->loses_pages && sl->ever_marked && ops->loses_pages(sl);
}

/* A range that loses pages made resident and dirty by the kernel (MADV_POPULATE_WRITE: a lost page fails it, no
 * signal); on a loss every page is dropped (a clean zeroed range, as a POISON lock gives) and 1 returned. */
static int populate_or_drop(struct jr_slot *sl, int for_good)
{
	int lost = jr_load(&sl->st[JR_RS_PAGES_POISONED]) != 0 || jr_k_madvise(sl->base, sl->len, MADV_POPULATE_WRITE) != 0;
	if (lost)
		jr_k_madvise(sl->base, sl->len, MADV_DONTNEED);
	if (lost || for_good) {
		jr_slot_lock(sl);
		ops_of(sl)->forget_lost(sl, for_good);
		jr_slot_unlock(sl);
	}
	return lost;
}

/* The chunks of [offset, offset+len) written from now on, their WP cleared (written.h), before this thread
 * or the kernel writes them. Under the slot lock, outside MARKING (no hold window exists), and under the window
 * lock exclusive (taken before the slot lock): a WP cleared between a restore's COPY and its MADV_FREE would let
 * this thread's write land before the MADV_FREE, which then drops it (range_table.c, "Concurrency"). */
static void written_before_pin(const struct jr_env *env, struct jr_slot *sl, uint64_t offset, uint64_t len)
{
	uint64_t a = sl->base + offset / env->chunk_bytes * env->chunk_bytes;
	uint64_t b = sl->base + (offset + len + env->chunk_bytes - 1) / env->chunk_bytes * env->chunk_bytes;
	if (b > sl->base + sl->len)
		b = sl->base + sl->len;
	jr_written_set(env, sl, a, b);
	jr_k_writeprotect(env->uffd, a, b - a, 0);
}

JR_API int64_t jr_range_add(struct jr_service *svc, uint64_t len, int source, int file_fd, uint64_t file_off,
			    uint64_t *base_out)
{
	if (!svc)
		return -EBADF;
	if (__atomic_load_n(&svc->stopping, __ATOMIC_ACQUIRE) != JR_RUN)
		return -ESHUTDOWN;
	uint64_t ps = svc->env.page_size;
	if (len == 0 || len > UINT64_MAX - ps || !base_out || source < 0 || source >= JR_SOURCE_COUNT)
		return -EINVAL;
	len = (len + ps - 1) & ~(ps - 1);
	const struct jr_source_ops *ops = jr_source_ops(source);

	struct jr_table *t = &svc->table;
	uint32_t idx = jr_table_claim(t);
	if (idx == JR_NO_SLOT)
		return -ENOSPC;
	struct jr_slot *sl = &t->slots[idx];
	jr_slot_lock(sl);
	/* A table slot starts with no source state of a previous range (remove released it), whatever
	 * memory it gets: a recycled memory slot carries none either (jr_mem_recycle: never registered). */
	JR_CHECK(sl->src == NULL && !sl->registered && sl->pins == 0,
		 "slot %u claimed with source state %p, registered %d, pins %u", idx, sl->src, (int)sl->registered,
		 (unsigned)sl->pins);
	sl->source = source;
	sl->base = 0;
	sl->len = len;
	sl->src = NULL;
	int err = ops->init(&svc->env, sl, file_fd, file_off);
	if (err) {
		jr_slot_unlock(sl);
		jr_table_release(t, idx);
		return err;
	}
	uint64_t base = 0;
	err = jr_mem_alloc(&t->mem, len, &base); /* a slot of a shared region, NOHUGEPAGE, zeroed */
	if (err) {
		ops->release(sl, 1);
		jr_slot_unlock(sl);
		jr_table_release(t, idx);
		return err;
	}
	sl->base = base;
	sl->hold_start = sl->hold_end = 0;
	sl->ever_marked = 0;
	sl->registered = 0;
	jr_written_free(&svc->env, sl); /* nothing to free: remove did; tracking starts at the first mark */
	for (int i = 0; i < JR_RS_COUNT; i++)
		__atomic_store_n(&sl->st[i], 0, __ATOMIC_RELAXED);
	jr_state_move(sl, JR_STATE_FREE, JR_STATE_LOCKED);
	int64_t handle = jr_table_new_handle(t, idx);
	jr_slot_unlock(sl);

	err = jr_table_index_insert(t, idx);
	if (err) { /* a fresh slot cannot be another range's; refuse rather than corrupt */
		jr_slot_lock(sl);
		jr_state_move(sl, JR_STATE_LOCKED, JR_STATE_DEAD);
		jr_mem_free(&t->mem, sl->base);
		ops->release(sl, 1);
		jr_state_move(sl, JR_STATE_DEAD, JR_STATE_FREE);
		jr_slot_unlock(sl);
		jr_table_release(t, idx);
		return err;
	}
	*base_out = sl->base;
	return handle;
}

/* DEAD, out of the index, the service let go of it, unregistered (waking any waiter), then the
 * memory goes back to its region (when unmap; else it is handed to the caller) and the source state
 * goes, and the slot is FREE. The service must never touch memory given back: that is the order. */
static int remove_range(struct jr_service *svc, int64_t handle, int unmap)
{
	int err;
	struct jr_table *t = &svc->table;
	struct jr_slot *sl = jr_table_slot_of(t, handle, &err);
	if (!sl)
		return err;
	uint32_t idx = jr_handle_slot(handle);

	jr_slot_lock(sl);
	int st = sl->state;
	if (st == JR_STATE_FREE || st == JR_STATE_DEAD || sl->gen != jr_handle_gen(handle)) {
		jr_slot_unlock(sl);
		return -EBADF;
	}
	if (st == JR_STATE_MARKING || st == JR_STATE_LOCKING) {
		jr_slot_unlock(sl);
		return -EBUSY;
	}
	if (unmap && sl->pins) { /* a system call may be using the memory: the last unpin's caller removes it */
		jr_slot_unlock(sl);
		return -EAGAIN;
	}
	jr_state_move(sl, st, JR_STATE_DEAD);
	jr_slot_unlock(sl);

	jr_table_index_remove(t, idx);
	jr_table_hazard_wait(t, idx);

	jr_slot_lock(sl);
	int was_registered = sl->registered;
	JR_CHECK(was_registered || !sl->ever_marked, "range %lld marked without a registration", (long long)handle);
	/* The slot goes to the next range of its size (jr_mem_recycle) unless a page of it may hold a poison
	 * marker (UFFDIO_POISON: a POISON range once marked, or a rebuild that failed), which only
	 * MADV_DONTNEED removes. Its write-protect bits are cleared while it is still registered (the kernel
	 * clears them at unregister since Linux 6.0, not before), so the next range starts without any. */
	int recycle = unmap && (!was_registered || (ops_of(sl)->rebuilds && jr_load(&sl->st[JR_RS_REBUILD_FAILURES]) == 0));
	if (was_registered) {
		if (recycle && svc->env.wp)
			jr_k_writeprotect(svc->env.uffd, sl->base, sl->len, 0);
		jr_mem_unregister(&t->mem, svc->env.uffd, sl->base, sl->len);
	}
	__atomic_store_n(&sl->registered, 0, __ATOMIC_RELAXED);
	if (recycle)
		jr_mem_recycle(&t->mem, sl->base, sl->len); /* zeroed; purged pages stay absent */
	else if (unmap)
		jr_mem_free(&t->mem, sl->base); /* MADV_DONTNEED: poison markers go too */
	else
		jr_mem_hand_over(&t->mem, sl->base, sl->len);
	ops_of(sl)->release(sl, 0);
	jr_written_free(&svc->env, sl);
	JR_CHECK(sl->src == NULL, "range %lld removed with its source state still held", (long long)handle);
	sl->pins = 0; /* a detached range's pins end with it: their unpin finds a FREE slot */
	jr_state_move(sl, JR_STATE_DEAD, JR_STATE_FREE);
	jr_slot_unlock(sl);
	jr_table_release(t, idx);
	return 0;
}

JR_API int jr_range_remove(struct jr_service *svc, int64_t handle)
{
	return svc ? remove_range(svc, handle, 1) : -EBADF;
}

/* Set by jr_mark_batch on the marking thread: its marks leave the drains to the batch. */
static __thread int mark_batched;

JR_API int jr_mark_batch(struct jr_service *svc, int begin)
{
	mark_batched = begin != 0;
	if (begin && svc)
		jr_k_drain_hold(svc->env.dummy, svc->env.page_size);
	else if (!begin) /* the batch's MADV_FREEs were all made on the CPU the hold keeps */
		jr_k_drain_release(svc ? svc->env.dummy : NULL, svc ? svc->env.page_size : 0);
	return 0;
}

JR_API int jr_range_mark(struct jr_service *svc, int64_t handle)
{
	if (!svc)
		return -EBADF;
	const struct jr_env *env = &svc->env;
	struct jr_slot *sl;
	int prev = jr_state_enter(&svc->table, handle, JR_STATE_MARKING, &sl);
	if (prev < 0)
		return prev;
	const struct jr_source_ops *ops = ops_of(sl);
	int err = 0;
	jr_slot_lock(sl);
	if (sl->pins) {
		/* A pinned span is in a system call or native code: MADV_FREE could let the kernel drop it
		 * under that call (EFAULT in user-mode-only mode, SIGBUS for POISON). The caller retries. */
		jr_state_move(sl, JR_STATE_MARKING, prev);
		jr_slot_unlock(sl);
		return -EAGAIN;
	}
	if (!sl->registered) {
		/* First mark: from here on a missing page may be a purged one, which only the service
		 * can answer. Before, the kernel zero-fills untouched pages by itself. With WP, writes
		 * after each mark are tracked from now on (written.h). */
		err = env->wp ? jr_written_init(env, sl) : 0;
		if (!err)
			err = jr_mem_register(&svc->table.mem, env->uffd, sl->base, sl->len, env->wp);
		if (err) {
			jr_state_move(sl, JR_STATE_MARKING, prev);
			jr_slot_unlock(sl);
			return err;
		}
		__atomic_store_n(&sl->registered, 1, __ATOMIC_RELAXED);
	}
	jr_slot_unlock(sl);
	if (!ops->rebuilds && prev == JR_STATE_VOLATILE) {
		/* Nothing to refresh, and populating would zero-fill purged pages unseen: a POISON
		 * range stays marked until lock() has said whether it lost anything. */
		jr_state_leave(sl, JR_STATE_MARKING, JR_STATE_VOLATILE);
		return 0;
	}
	/* Set before the first chunk is freed: from then on a missing page may be a purged one,
	 * and the service must rebuild it from the snapshot (a chunk not snapshotted yet was
	 * never touched, so its absent chunk correctly means zeros). */
	jr_slot_lock(sl);
	sl->ever_marked = 1;
	jr_slot_unlock(sl);
	if (!mark_batched) /* pages just written must be on the LRU for MADV_FREE; held here until the flush below */
		jr_k_drain_hold(env->dummy, env->page_size);
	if (ops->needs_wp && !env->wp)
		err = -EOPNOTSUPP; /* a capture racing writers needs UFFD_FEATURE_PAGEFAULT_FLAG_WP */
	else
		err = ops->mark(env, sl);
	if (!mark_batched)
		jr_k_drain_release(env->dummy, env->page_size); /* its MADV_FREEs: all on the CPU held */
	jr_slot_lock(sl);
	if (err) {
		jr_state_move(sl, JR_STATE_MARKING, prev);
	} else {
		__atomic_store_n(&sl->st[JR_RS_PURGED_SINCE_MARK], 0, __ATOMIC_RELAXED);
		jr_add(&sl->st[JR_RS_MARKS], 1);
		jr_state_move(sl, JR_STATE_MARKING, JR_STATE_VOLATILE);
	}
	jr_slot_unlock(sl);
	return err;
}

static int lock_range(struct jr_service *svc, int64_t handle)
{
	struct jr_slot *sl;
	int prev = jr_state_enter(&svc->table, handle, -1, &sl);
	if (prev < 0)
		return prev;
	jr_window_exclusive_begin(sl); /* written_before_pin below (see it) */
	jr_slot_lock(sl);
	if (sl->state != JR_STATE_VOLATILE) { /* LOCKED already, or raced with another caller */
		int st = sl->state;
		jr_slot_unlock(sl);
		jr_window_exclusive_end(sl);
		return st == JR_STATE_LOCKED ? JR_INTACT : -EBUSY;
	}
	if (ops_of(sl)->rebuilds && !loses(sl)) {
		jr_state_move(sl, JR_STATE_VOLATILE, JR_STATE_LOCKED); /* O(1): every page can be rebuilt on touch */
		jr_slot_unlock(sl);
		jr_window_exclusive_end(sl);
		return JR_INTACT;
	}
	if (ops_of(sl)->rebuilds) { /* rebuild:file,throw: LOCKING, where a page whose file failed reads as zeros */
		jr_state_move(sl, JR_STATE_VOLATILE, JR_STATE_LOCKING);
		if (sl->written)
			written_before_pin(&svc->env, sl, 0, sl->len); /* the populate below: no WP fault per chunk */
		jr_slot_unlock(sl);
		jr_window_exclusive_end(sl);
		int lost = populate_or_drop(sl, 0);
		jr_slot_lock(sl);
		__atomic_store_n(&sl->st[JR_RS_PAGES_POISONED], 0, __ATOMIC_RELAXED);
		jr_state_move(sl, JR_STATE_LOCKING, JR_STATE_LOCKED);
		jr_slot_unlock(sl);
		return lost ? JR_PURGED : JR_INTACT;
	}
	jr_state_move(sl, JR_STATE_VOLATILE, JR_STATE_LOCKING); /* from here on the service zero-fills, never poisons */
	uint64_t lost = jr_load(&sl->st[JR_RS_PAGES_POISONED]) + jr_load(&sl->st[JR_RS_PURGED_SINCE_MARK]);
	if (sl->written && !lost)
		written_before_pin(&svc->env, sl, 0, sl->len); /* the touch below: no WP fault per chunk */
	jr_slot_unlock(sl);
	jr_window_exclusive_end(sl);

	if (!lost)
		jr_k_touch_write(sl->base, sl->len, svc->env.page_size); /* faults here count as purged */
	lost += jr_load(&sl->st[JR_RS_PURGED_SINCE_MARK]);
	if (lost) {
		/* Content is incomplete: hand back a clean zeroed range, as ashmem does; this also
		 * removes the poison markers. */
		jr_k_madvise(sl->base, sl->len, MADV_DONTNEED);
	}
	jr_slot_lock(sl);
	__atomic_store_n(&sl->st[JR_RS_PAGES_POISONED], 0, __ATOMIC_RELAXED);
	jr_state_move(sl, JR_STATE_LOCKING, JR_STATE_LOCKED);
	jr_slot_unlock(sl);
	return lost ? JR_PURGED : JR_INTACT;
}

JR_API int jr_range_lock(struct jr_service *svc, int64_t handle)
{
	if (!svc)
		return -EBADF;
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
	int prev = jr_state_enter(&svc->table, handle, JR_STATE_LOCKING, &sl);
	if (prev < 0)
		return prev;
	int purged = 0;
	jr_window_exclusive_begin(sl); /* written_before_pin (see it) */
	jr_slot_lock(sl);
	if (sl->written)
		written_before_pin(&svc->env, sl, 0, sl->len); /* the touch below: no WP fault per chunk */
	jr_slot_unlock(sl);
	jr_window_exclusive_end(sl);
	if (!ops_of(sl)->rebuilds && jr_load(&sl->st[JR_RS_PAGES_POISONED])) {
		jr_k_madvise(sl->base, sl->len, MADV_DONTNEED);
		purged = 1;
	}
	jr_slot_lock(sl);
	int may_lose = loses(sl);
	jr_slot_unlock(sl);
	if (may_lose) /* lost pages fail the kernel's populate, not a touch from C; then none is lost any more */
		purged |= populate_or_drop(sl, 1);
	jr_k_touch_write(sl->base, sl->len, svc->env.page_size);
	jr_slot_lock(sl);
	purged |= jr_load(&sl->st[JR_RS_PURGED_SINCE_MARK]) != 0;
	__atomic_store_n(&sl->st[JR_RS_PAGES_POISONED], 0, __ATOMIC_RELAXED);
	jr_state_move(sl, JR_STATE_LOCKING, JR_STATE_LOCKED);
	jr_slot_unlock(sl);
	return purged ? JR_PURGED : JR_INTACT;
}

JR_API int jr_range_detach(struct jr_service *svc, int64_t handle)
{
	if (!svc)
		return -EBADF;
	int r = settle(svc, handle);
	if (r < 0)
		return r;
	/* Every page is resident and dirty now: nothing faults any more, and the mapping is the caller's. */
	int err = remove_range(svc, handle, 0);
	return err < 0 ? err : r;
}

/*
 * Pin protocol. The count is taken under the slot lock while the range is neither MARKING nor LOCKING
 * (it waits those out: both are bounded, and the caller is in native state), and a marker checks it
 * under the same lock before it changes anything: so while pins > 0 no MADV_FREE can reach the range,
 * and the pages the pin made dirty stay resident until the call returns (docs/fault-path.md, "Pinning
 * around native access"). A rebuildable range is touched from user mode, which every userfaultfd mode
 * serves. A volatile POISON range must not be touched from user mode: a purged page would be poisoned
 * and the touch would raise SIGBUS here, in native code, which kills the JVM. MADV_POPULATE_WRITE lets
 * the kernel do the no-op write instead: a present page is made dirty, a lost one fails the call with
 * EFAULT (user-mode-only: the kernel's fault is not served) or EHWPOISON (the service poisoned it), and
 * nothing is signalled. A LOCKED POISON range is touched from user mode: the service zero-fills there.
 * With write tracking (written.h) the span's chunks are recorded as written and their WP cleared first,
 * under the slot lock (no hold window exists outside MARKING): the pinned span is about to be written by
 * the kernel, and in user-mode-only mode the kernel's write to a write-protected page would fail (EFAULT).
 */
JR_API int jr_range_pin(struct jr_service *svc, int64_t handle, uint64_t offset, uint64_t len)
{
	int err;
	struct jr_slot *sl = jr_table_slot_of(svc ? &svc->table : NULL, handle, &err);
	if (!sl)
		return err;
	int populate;
	for (;;) {
		jr_window_exclusive_begin(sl); /* written_before_pin (see it) */
		jr_slot_lock(sl);
		int st = sl->state;
		if (st == JR_STATE_FREE || st == JR_STATE_DEAD || sl->gen != jr_handle_gen(handle)) {
			jr_slot_unlock(sl);
			jr_window_exclusive_end(sl);
			return -EBADF;
		}
		if (st != JR_STATE_MARKING && st != JR_STATE_LOCKING) {
			if (offset > sl->len || len > sl->len - offset) {
				jr_slot_unlock(sl);
				jr_window_exclusive_end(sl);
				return -ERANGE;
			}
			sl->pins++;
			populate = (!ops_of(sl)->rebuilds && st == JR_STATE_VOLATILE) || loses(sl);
			if (sl->written && len > 0)
				written_before_pin(&svc->env, sl, offset, len);
			jr_slot_unlock(sl);
			jr_window_exclusive_end(sl);
			break;
		}
		jr_slot_unlock(sl);
		jr_window_exclusive_end(sl);
		sched_yield();
	}
	if (len == 0)
		return JR_INTACT;
	uint64_t ps = svc->env.page_size;
	uint64_t a = (sl->base + offset) & ~(ps - 1);
	uint64_t b = (sl->base + offset + len + ps - 1) & ~(ps - 1);
	if (!populate) {
		jr_k_touch_write(a, b - a, ps);
		return JR_INTACT;
	}
	err = jr_k_madvise(a, b - a, MADV_POPULATE_WRITE);
	if (err == 0)
		return JR_INTACT;
	jr_range_unpin(svc, handle);
	return err == -EFAULT || err == -EHWPOISON ? JR_PURGED : err;
}

JR_API int jr_range_unpin(struct jr_service *svc, int64_t handle)
{
	int err;
	struct jr_slot *sl = jr_table_slot_of(svc ? &svc->table : NULL, handle, &err);
	if (!sl)
		return err;
	jr_slot_lock(sl);
	int st = sl->state, left;
	if (st == JR_STATE_FREE || st == JR_STATE_DEAD || sl->gen != jr_handle_gen(handle))
		left = -EBADF;
	else if (sl->pins == 0)
		left = -EINVAL;
	else
		left = (int)--sl->pins;
	jr_slot_unlock(sl);
	return left;
}

JR_API int jr_range_purge(struct jr_service *svc, int64_t handle)
{
	int err;
	struct jr_slot *sl = jr_table_slot_of(svc ? &svc->table : NULL, handle, &err);
	if (!sl)
		return err;
	int st = jr_state_get(sl);
	if (st == JR_STATE_FREE || st == JR_STATE_DEAD)
		return -EBADF;
	jr_k_drain_all_cpus(svc->env.dummy, svc->env.page_size); /* a page just marked may sit in a lazyfree batch */
	return jr_k_madvise(sl->base, sl->len, MADV_PAGEOUT);
}

JR_API int jr_range_stats(struct jr_service *svc, int64_t handle, uint64_t *out, int n)
{
	int err;
	struct jr_slot *sl = jr_table_slot_of(svc ? &svc->table : NULL, handle, &err);
	if (!sl)
		return err;
	if (n < 0)
		return -EINVAL;
	if (n > JR_RS_COUNT)
		n = JR_RS_COUNT;
	uint64_t v[JR_RS_COUNT];
	for (int i = 0; i < JR_RS_COUNT; i++)
		v[i] = jr_load(&sl->st[i]);
	int state = jr_state_get(sl);
	v[JR_RS_STATE] = (uint64_t)state;
	v[JR_RS_SOURCE] = (uint64_t)sl->source;
	v[JR_RS_REGISTERED] = (uint64_t)__atomic_load_n(&sl->registered, __ATOMIC_RELAXED);
	v[JR_RS_BYTES] = sl->len;
	/* Last, so a restore that lands in between shows as resident and not yet counted, never as
	 * counted and absent. A removed range's memory is not ours to look at. Only when asked for: a
	 * caller that reads the state alone (n = 1, the idle marker's look at every range) pays no mincore. */
	v[JR_RS_RESIDENT_PAGES] = state == JR_STATE_FREE || state == JR_STATE_DEAD || n <= JR_RS_RESIDENT_PAGES
					  ? 0
					  : jr_k_resident_pages(sl->base, sl->len, svc->env.page_size);
	for (int i = 0; i < n; i++)
		out[i] = v[i];
	return n;
}

JR_API int jr_range_written_pages(struct jr_service *svc, int64_t handle)
{
	int err;
	struct jr_slot *sl = jr_table_slot_of(svc ? &svc->table : NULL, handle, &err);
	if (!sl)
		return err;
	uint64_t w = jr_load(&sl->st[JR_RS_WRITTEN_PAGES]);
	return w > INT32_MAX ? INT32_MAX : (int)w;
}

JR_API int jr_service_memory(struct jr_service *svc, uint64_t *out, int n)
{
	if (!svc)
		return -EBADF;
	return jr_mem_stats(&svc->table.mem, out, n);
}

JR_API int jr_service_set_recycle_max(struct jr_service *svc, int64_t bytes)
{
	if (!svc)
		return -EBADF;
	if (bytes < 0)
		return -EINVAL;
	jr_mem_set_recycle_max(&svc->table.mem, (uint64_t)bytes);
	return 0;
}

JR_API int jr_service_set_map_limit(struct jr_service *svc, int64_t limit)
{
	if (!svc)
		return -EBADF;
	if (limit < 0)
		return -EINVAL;
	jr_mem_set_map_limit(&svc->table.mem, limit);
	return 0;
}
