/* ZERO: a purged page comes back as zeros, chosen by the application. */
#include "source.h"

#include "hold.h"

static int zero_init(const struct jr_env *env, struct jr_slot *sl, int file_fd, uint64_t file_off)
{
	(void)env, (void)file_fd, (void)file_off;
	sl->src = 0;
	return 0;
}

static void zero_release(struct jr_slot *sl, int keep_fd) { (void)sl, (void)keep_fd; }

const struct jr_source_ops jr_source_zero_ops = {
	.name = "ZERO",
	.rebuilds = 1,
	.init = zero_init,
	.release = zero_release,
	.mark = jr_mark_plain,
	.produce = 0, /* UFFDIO_ZEROPAGE */
};
