/* FILE: a purged page is read back from a file descriptor the library owns, at an offset. */
#define _GNU_SOURCE
#include "source.h"

#include "hold.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct file_src {
	int fd;
	uint64_t off;
};

static int file_init(const struct jr_env *env, struct jr_slot *sl, int file_fd, uint64_t file_off)
{
	(void)env;
	if (file_fd < 0)
		return -EBADF;
	struct file_src *f = malloc(sizeof(*f));
	if (!f)
		return -ENOMEM;
	f->fd = file_fd;
	f->off = file_off;
	sl->src = f;
	return 0;
}

static void file_release(struct jr_slot *sl, int keep_fd)
{
	struct file_src *f = sl->src;
	if (f && !keep_fd)
		close(f->fd);
	free(f);
	sl->src = NULL;
}

/* Bytes past the end of the file read as zero, as in a private file mapping. */
static int file_produce(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen, unsigned char *dst,
			void *work)
{
	(void)env, (void)work; /* the descriptor and offset are immutable while the range lives */
	const struct file_src *f = sl->src;
	uint64_t got = 0;
	while (got < wlen) {
		ssize_t n = pread(f->fd, dst + got, wlen - got, (off_t)(f->off + (w0 - sl->base) + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (uint64_t)n;
	}
	memset(dst + got, 0, wlen - got);
	return 0;
}

const struct jr_source_ops jr_source_file_ops = {
	.name = "FILE",
	.rebuilds = 1,
	.produce_blocks = 1,
	.init = file_init,
	.release = file_release,
	.mark = jr_mark_plain,
	.produce = file_produce,
};
