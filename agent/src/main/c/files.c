/* The file table (files.h). */
#define _GNU_SOURCE
#include "files.h"

#include "jreclaim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct jr_files *jr_files_new(void)
{
	struct jr_files *t = calloc(1, sizeof(*t) + JR_MAX_FILES * sizeof(t->f[0]));
	if (t)
		pthread_mutex_init(&t->lock, NULL);
	return t;
}

void jr_files_free(struct jr_files *t)
{
	if (!t)
		return;
	for (uint32_t i = 0; i < t->count; i++)
		close(t->f[i].fd);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static int same_time(struct timespec a, struct timespec b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

static int same_identity(const struct jr_file *f, const struct stat *st)
{
	return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size && same_time(f->mtim, st->st_mtim) &&
	       same_time(f->ctim, st->st_ctim);
}

int jr_files_intern(struct jr_files *t, int fd)
{
	struct stat st;
	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL; /* pipes, sockets, devices: no offset to read the bytes back from */
	pthread_mutex_lock(&t->lock);
	int id = -1;
	for (uint32_t i = 0; i < t->count; i++)
		if (same_identity(&t->f[i], &st)) {
			id = (int)i;
			break;
		}
	if (id < 0 && t->count >= JR_MAX_FILES)
		id = -ENOSPC;
	if (id == -1) {
		struct jr_file *f = &t->f[t->count];
		char link[64];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		ssize_t n = readlink(link, f->path, sizeof(f->path) - 1);
		/* Our own descriptor through /proc: the same open file even if the path is gone or replaced. */
		int own = n > 0 ? open(link, O_RDONLY | O_CLOEXEC) : -1;
		struct stat ost;
		if (own >= 0 && fstat(own, &ost) == 0 && ost.st_dev == st.st_dev && ost.st_ino == st.st_ino) {
			f->path[n] = 0;
			f->fd = own;
			f->dev = st.st_dev, f->ino = st.st_ino, f->size = st.st_size, f->mtim = st.st_mtim, f->ctim = st.st_ctim;
			id = (int)t->count;
			__atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELEASE);
		} else {
			id = n > 0 ? -EIO : -ENOENT;
			if (own >= 0)
				close(own);
		}
	}
	pthread_mutex_unlock(&t->lock);
	return id;
}

int jr_files_read(struct jr_files *t, int id, uint64_t off, unsigned char *dst, uint64_t len)
{
	if (id < 0 || (uint32_t)id >= __atomic_load_n(&t->count, __ATOMIC_ACQUIRE))
		return JR_C_FILE_MISSING;
	const struct jr_file *f = &t->f[id];
	struct stat st, pst;
	if (fstat(f->fd, &st) != 0)
		return JR_C_FILE_IO_ERRORS;
	/* Deleted, or the path now names another file (renamed over): the read's file is gone. */
	if (st.st_nlink == 0 || stat(f->path, &pst) != 0 || pst.st_dev != f->dev || pst.st_ino != f->ino)
		return JR_C_FILE_MISSING;
	if (!same_identity(f, &st)) /* written, truncated or extended since the read */
		return JR_C_FILE_STALE;
	if (off + len > (uint64_t)f->size)
		return JR_C_FILE_STALE;
	uint64_t got = 0;
	while (got < len) {
		ssize_t n = pread(f->fd, dst + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return JR_C_FILE_IO_ERRORS;
		got += (uint64_t)n;
	}
	/* A write racing the pread changes the identity too (multigrain timestamps: since we stat'ed the
	 * file, its next change gets a fresh ctime, docs/fault-path.md). */
	if (fstat(f->fd, &st) != 0 || !same_identity(f, &st))
		return JR_C_FILE_STALE;
	return 0;
}
