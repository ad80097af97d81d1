/* The hold window (hold.h). */
#include "hold.h"

#include "check.h"
#include "jreclaim.h"
#include "kernel.h"
#include "written.h"

#include <sys/mman.h>

void jr_hold_begin(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen)
{
	jr_window_exclusive_begin(sl); /* no restore is between its COPY and its WP clear (range_table.c) */
	jr_slot_lock(sl);
	JR_CHECK(sl->state == JR_STATE_MARKING, "hold window outside MARKING");
	JR_CHECK(sl->hold_start == sl->hold_end, "hold window begun inside another");
	sl->hold_start = w0;
	sl->hold_end = w0 + wlen;
	if (env->wp)
		jr_k_writeprotect(env->uffd, w0, wlen, 1);
	jr_written_clear(env, sl, w0, wlen); /* this mark captures every write made so far */
	jr_slot_unlock(sl);
	jr_window_exclusive_end(sl);
}

void jr_hold_end(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen, int freed)
{
	jr_window_exclusive_begin(sl);
	jr_slot_lock(sl);
	JR_CHECK(sl->hold_start == w0 && sl->hold_end == w0 + wlen, "hold window ended that was not begun");
	/* A freed window keeps its WP when writes are tracked (written.h): the writers woken here fault again,
	 * outside the window, and the service records their chunk. A window left ordinary memory (or a failed
	 * mark's) drops it. */
	if (env->wp && !(freed && sl->written))
		jr_k_writeprotect(env->uffd, w0, wlen, 0);
	else
		jr_k_wake(env->uffd, w0, wlen);
	sl->hold_start = sl->hold_end = 0;
	jr_slot_unlock(sl);
	jr_window_exclusive_end(sl);
}

int jr_hold_covers(const struct jr_slot *sl, uint64_t page)
{
	jr_slot_assert_locked(sl);
	return page >= sl->hold_start && page < sl->hold_end;
}

int jr_mark_plain(const struct jr_env *env, struct jr_slot *sl)
{
	uint64_t step = env->chunk_bytes * 16, end = sl->base + sl->len;
	for (uint64_t w0 = sl->base; w0 < end; w0 += step) {
		uint64_t wlen = end - w0 < step ? end - w0 : step;
		jr_hold_begin(env, sl, w0, wlen);
		jr_k_madvise(w0, wlen, MADV_FREE);
		jr_hold_end(env, sl, w0, wlen, 1);
	}
	return 0;
}
