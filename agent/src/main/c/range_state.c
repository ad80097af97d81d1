/*
 * State machine (enum jr_state). Who moves it, and what the kernel may do meanwhile:
 *
 *   FREE --add--> LOCKED --mark--> MARKING --> VOLATILE --lock--> LOCKED (or LOCKING --> LOCKED)
 *                   ^  \__________________________/  |  \--mark (refresh)--> MARKING
 *                   |                                 |
 *   any of LOCKED/VOLATILE --remove--> DEAD --> FREE (slot reusable, handle generation bumped)
 *   LOCKED/VOLATILE --detach--> LOCKING --> LOCKED --> DEAD --> FREE (the mapping stays)
 *
 *   LOCKED    Owned by the application. Before the first mark every page is ordinary
 *             memory. After a mark, lock() is O(1) for rebuildable sources (ZERO, SNAPSHOT,
 *             FILE): pages stay lazyfree, the kernel may still drop a clean one, and the
 *             service rebuilds it on touch. This holds because of the invariant below.
 *   MARKING   One marker thread owns the range (mark/lock/remove from others get -EBUSY).
 *             For each chunk it write-protects the chunk and records it as the slot's hold
 *             window, copies the pages, compresses them, swaps in the new snapshot chunk,
 *             MADV_FREEs the chunk and clears WP, which wakes any writer that waited (hold.c).
 *             Writers are therefore never lost: a write either lands before WP (and is in
 *             the copy) or after the MADV_FREE (and the kernel keeps the dirty page).
 *             A failed mark goes back to the state it came from.
 *   VOLATILE  The kernel may drop any clean page. A purged page is restored by the service
 *             (ZERO/SNAPSHOT/FILE) or poisoned (POISON: the toucher gets SIGBUS, which the JVM
 *             turns into an InternalError for plain Java accesses, docs/fault-path.md).
 *             Writes are kept by the kernel: a written page is dirty and never dropped.
 *   LOCKING   POISON lock and detach: a locker re-dirties every page with an atomic no-op
 *             write (lock xadd of 0), so none can be dropped any more; the service answers
 *             missing pages with zeros and counts them purged instead of poisoning.
 *   DEAD      Removal in progress: the service answers events with a wake and no longer
 *             reads the slot; the remover waits until the service has let go of it.
 *
 * Invariant for rebuildable sources, in every state: each page is either dirty (written since
 * the last MADV_FREE that covered it, so the kernel keeps it) or equal to its source. With write
 * tracking (written.h) a chunk not written since its mark is also still write-protected, so its
 * first write is seen. The
 * service keeps it with the write-protect protocol (fault_service.c); the marker keeps it
 * with the hold window. That is why lock() need not touch pages, and why a page that mincore
 * reports missing at mark time can take its bytes from the previous snapshot.
 *
 * Locks. slot->lock is held only around work that cannot fault on a registered range
 * (ioctls, decompressing a snapshot chunk, swapping chunk pointers); anything that reads or
 * writes range pages (the marker's copy, the locker's re-dirty) runs with it released, since
 * a fault there needs the service, and the service takes the lock.
 */
#include "range_state.h"

#include "check.h"

#include <errno.h>

#define T(from, to) [JR_STATE_##from][JR_STATE_##to] = 1
static const unsigned char allowed[JR_STATE_COUNT][JR_STATE_COUNT] = {
	T(FREE, LOCKED),        /* add */
	T(LOCKED, MARKING),     /* mark */
	T(VOLATILE, MARKING),   /* mark again (refresh) */
	T(MARKING, VOLATILE),   /* mark done, or failed from VOLATILE */
	T(MARKING, LOCKED),     /* mark failed from LOCKED */
	T(VOLATILE, LOCKED),    /* lock, rebuildable source */
	T(VOLATILE, LOCKING),   /* lock of POISON, detach */
	T(LOCKED, LOCKING),     /* detach */
	T(LOCKING, LOCKED),     /* settled */
	T(LOCKED, DEAD),        /* remove */
	T(VOLATILE, DEAD),      /* remove */
	T(DEAD, FREE),          /* removed */
};
#undef T

static const char *const names[JR_STATE_COUNT] = {
	[JR_STATE_FREE] = "FREE",         [JR_STATE_LOCKED] = "LOCKED",   [JR_STATE_MARKING] = "MARKING",
	[JR_STATE_VOLATILE] = "VOLATILE", [JR_STATE_LOCKING] = "LOCKING", [JR_STATE_DEAD] = "DEAD",
};

const char *jr_state_name(int state)
{
	return state >= 0 && state < JR_STATE_COUNT ? names[state] : "?";
}

int jr_state_allowed(int from, int to)
{
	return from >= 0 && from < JR_STATE_COUNT && to >= 0 && to < JR_STATE_COUNT && allowed[from][to];
}

int jr_state_get(const struct jr_slot *sl) { return __atomic_load_n(&sl->state, __ATOMIC_ACQUIRE); }

void jr_state_move(struct jr_slot *sl, int from, int to)
{
	jr_slot_assert_locked(sl);
	JR_CHECK(jr_state_allowed(from, to), "forbidden state transition %s -> %s", jr_state_name(from),
		 jr_state_name(to));
	JR_CHECK(sl->state == from, "state transition %s -> %s from state %s", jr_state_name(from), jr_state_name(to),
		 jr_state_name(sl->state));
	__atomic_store_n(&sl->state, to, __ATOMIC_RELEASE);
}

int jr_state_enter(struct jr_table *t, int64_t handle, int to, struct jr_slot **out)
{
	int err;
	struct jr_slot *sl = jr_table_slot_of(t, handle, &err);
	if (!sl)
		return err;
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
	if (to >= 0)
		jr_state_move(sl, st, to);
	jr_slot_unlock(sl);
	*out = sl;
	return st;
}

void jr_state_leave(struct jr_slot *sl, int from, int to)
{
	jr_slot_lock(sl);
	jr_state_move(sl, from, to);
	jr_slot_unlock(sl);
}
