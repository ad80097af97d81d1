/*
 * POISON: a purged page is lost. The service installs a poison marker (the next touch gets SIGBUS)
 * and lock() reports PURGED; see docs/fault-path.md for which readers survive SIGBUS.
 */
#include "source.h"

#include "hold.h"
#include "kernel.h"

static int poison_init(const struct jr_env *env, struct jr_slot *sl, int file_fd, uint64_t file_off)
{
	(void)env, (void)file_fd, (void)file_off;
	sl->src = 0;
	return 0;
}

static void poison_release(struct jr_slot *sl, int keep_fd) { (void)sl, (void)keep_fd; }

static int poison_mark(const struct jr_env *env, struct jr_slot *sl)
{
	/* Populate first, so that a page missing later was purged, never merely untouched. */
	jr_k_touch_write(sl->base, sl->len, env->page_size);
	return jr_mark_plain(env, sl);
}

const struct jr_source_ops jr_source_poison_ops = {
	.name = "POISON",
	.rebuilds = 0,
	.init = poison_init,
	.release = poison_release,
	.mark = poison_mark,
	.produce = 0, /* never asked: the service poisons, or zero-fills an unmarked page */
};
