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

#define NBLOCKS (JR_MAX_FILES / JR_FILES_BLOCK)

static struct jr_file *at(struct jr_files *t, int id)
{
	return &__atomic_load_n(&t->block[(uint32_t)id / JR_FILES_BLOCK], __ATOMIC_ACQUIRE)[(uint32_t)id % JR_FILES_BLOCK];
}

static void add(uint64_t *c, int64_t d) { __atomic_add_fetch(c, (uint64_t)d, __ATOMIC_RELAXED); }

struct jr_files *jr_files_new(uint64_t *c)
{
	struct jr_files *t = calloc(1, sizeof(*t) + NBLOCKS * sizeof(t->block[0]));
	if (!t)
		return NULL;
	pthread_mutex_init(&t->lock, NULL);
	t->c = c;
	t->max_open = JR_DEFAULT_MAX_OPEN_FILES;
	t->free_head = t->lru_head = t->lru_tail = -1;
	for (uint32_t i = 0; i < JR_FILES_BUCKETS; i++)
		t->bucket[i] = -1;
	add(&c[JR_C_RECORDS_HELD], (int64_t)(sizeof(*t) + NBLOCKS * sizeof(t->block[0])));
	return t;
}

void jr_files_free(struct jr_files *t)
{
	if (!t)
		return;
	uint64_t bytes = sizeof(*t) + NBLOCKS * sizeof(t->block[0]);
	for (uint32_t i = 0; i < t->used; i++) {
		struct jr_file *f = at(t, (int)i);
		if (f->fd >= 0)
			close(f->fd);
		if (f->path)
			bytes += strlen(f->path) + 1;
		free(f->path);
	}
	for (uint32_t b = 0; b < NBLOCKS && t->block[b]; b++) {
		free(t->block[b]);
		bytes += JR_FILES_BLOCK * sizeof(struct jr_file);
	}
	add(&t->c[JR_C_RECORDS_HELD], -(int64_t)bytes);
	add(&t->c[JR_C_FILES_OPEN], -(int64_t)t->open);
	add(&t->c[JR_C_FILES_TRACKED], -(int64_t)t->live);
	pthread_mutex_destroy(&t->lock);
	free(t);
}

static int same_time(struct timespec a, struct timespec b) { return a.tv_sec == b.tv_sec && a.tv_nsec == b.tv_nsec; }

static int same_identity(const struct jr_file *f, const struct stat *st)
{
	return f->dev == st->st_dev && f->ino == st->st_ino && f->size == st->st_size && same_time(f->mtim, st->st_mtim) &&
	       same_time(f->ctim, st->st_ctim);
}

static uint32_t bucket_of(dev_t dev, ino_t ino) { return (uint32_t)(((uint64_t)ino * 0x9E3779B97F4A7C15ull ^ dev) >> 40) % JR_FILES_BUCKETS; }

/* The LRU, under lock. */
static void lru_unlink(struct jr_files *t, int id)
{
	struct jr_file *f = at(t, id);
	if (f->prev >= 0)
		at(t, f->prev)->next = f->next;
	else
		t->lru_head = f->next;
	if (f->next >= 0)
		at(t, f->next)->prev = f->prev;
	else
		t->lru_tail = f->prev;
	f->prev = f->next = -1;
}

static void lru_push(struct jr_files *t, int id)
{
	struct jr_file *f = at(t, id);
	f->prev = -1;
	f->next = t->lru_head;
	if (t->lru_head >= 0)
		at(t, t->lru_head)->prev = id;
	t->lru_head = id;
	if (t->lru_tail < 0)
		t->lru_tail = id;
}

/* Takes id's descriptor out of the table (under lock, users 0); the caller closes it after unlocking. */
static int take_fd(struct jr_files *t, int id)
{
	struct jr_file *f = at(t, id);
	int fd = f->fd;
	if (fd >= 0) {
		lru_unlink(t, id);
		f->fd = -1;
		t->open--;
		add(&t->c[JR_C_FILES_OPEN], -1);
	}
	return fd;
}

/* Under lock: the least recently used descriptors nobody uses beyond max_open, into out (at most n). */
static int evict(struct jr_files *t, int *out, int n)
{
	int k = 0;
	for (int id = t->lru_tail; id >= 0 && t->open > t->max_open && k < n;) {
		int prev = at(t, id)->prev;
		if (at(t, id)->users == 0) {
			out[k++] = take_fd(t, id);
			add(&t->c[JR_C_FILE_EVICTIONS], 1);
		}
		id = prev;
	}
	return k;
}

static void close_all(const int *fds, int n)
{
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* Under lock: installs fd as id's descriptor, most recently used. */
static void put_fd(struct jr_files *t, int id, int fd)
{
	at(t, id)->fd = fd;
	lru_push(t, id);
	t->open++;
	add(&t->c[JR_C_FILES_OPEN], 1);
}

int jr_files_set_max_open(struct jr_files *t, uint32_t n)
{
	if (n < 1 || n > JR_MAX_OPEN_FILES)
		return -EINVAL;
	int fds[64], k;
	pthread_mutex_lock(&t->lock);
	t->max_open = n;
	do { /* closes outside the lock, 64 at a time */
		k = evict(t, fds, 64);
		pthread_mutex_unlock(&t->lock);
		close_all(fds, k);
		pthread_mutex_lock(&t->lock);
	} while (k == 64);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

/* Under lock: a free entry's id, or -ENOSPC / -ENOMEM. */
static int new_entry(struct jr_files *t)
{
	int id = t->free_head;
	if (id >= 0) {
		t->free_head = at(t, id)->hnext;
		return id;
	}
	if (t->used >= JR_MAX_FILES)
		return -ENOSPC;
	uint32_t b = t->used / JR_FILES_BLOCK;
	if (!t->block[b]) {
		struct jr_file *blk = calloc(JR_FILES_BLOCK, sizeof(*blk));
		if (!blk)
			return -ENOMEM;
		__atomic_store_n(&t->block[b], blk, __ATOMIC_RELEASE);
		add(&t->c[JR_C_RECORDS_HELD], JR_FILES_BLOCK * sizeof(*blk));
	}
	__atomic_store_n(&t->used, t->used + 1, __ATOMIC_RELEASE);
	return (int)t->used - 1;
}

int jr_files_intern(struct jr_files *t, int fd, uint32_t refs)
{
	struct stat st;
	if (refs == 0)
		return -EINVAL;
	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -EINVAL; /* pipes, sockets, devices: no offset to read the bytes back from */
	uint32_t b = bucket_of(st.st_dev, st.st_ino);
	pthread_mutex_lock(&t->lock);
	for (int id = t->bucket[b]; id >= 0; id = at(t, id)->hnext) {
		struct jr_file *f = at(t, id);
		if (same_identity(f, &st) && !f->gone) {
			__atomic_add_fetch(&f->refs, refs, __ATOMIC_RELAXED);
			pthread_mutex_unlock(&t->lock);
			return id;
		}
	}
	pthread_mutex_unlock(&t->lock);

	/* A new file: its path and a descriptor of our own through /proc (the same open file even if the
	 * path is gone or replaced meanwhile), outside the lock. */
	char link[64], path[4096];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, path, sizeof(path) - 1);
	if (n <= 0 || n >= (ssize_t)sizeof(path) - 1)
		return n <= 0 ? -ENOENT : -ENAMETOOLONG;
	path[n] = 0;
	int own = open(link, O_RDONLY | O_CLOEXEC);
	struct stat ost;
	if (own < 0 || fstat(own, &ost) != 0 || ost.st_dev != st.st_dev || ost.st_ino != st.st_ino) {
		if (own >= 0)
			close(own);
		return -EIO;
	}
	char *p = strdup(path);
	if (!p) {
		close(own);
		return -ENOMEM;
	}
	int fds[8], k = 0;
	pthread_mutex_lock(&t->lock);
	int id = new_entry(t);
	if (id >= 0) {
		struct jr_file *f = at(t, id);
		*f = (struct jr_file){.fd = -1, .prev = -1, .next = -1, .refs = refs, .dev = st.st_dev, .ino = st.st_ino,
				      .size = st.st_size, .mtim = st.st_mtim, .ctim = st.st_ctim, .path = p};
		f->hnext = t->bucket[b];
		t->bucket[b] = id;
		put_fd(t, id, own);
		t->live++;
		add(&t->c[JR_C_FILES_TRACKED], 1);
		add(&t->c[JR_C_RECORDS_HELD], (int64_t)strlen(p) + 1);
		k = evict(t, fds, 8);
	}
	pthread_mutex_unlock(&t->lock);
	close_all(fds, k);
	if (id < 0) {
		close(own);
		free(p);
	}
	return id;
}

void jr_files_ref(struct jr_files *t, int id)
{
	if (id >= 0)
		__atomic_add_fetch(&at(t, id)->refs, 1, __ATOMIC_RELAXED);
}

void jr_files_unref(struct jr_files *t, int id, uint32_t n)
{
	if (id < 0 || n == 0)
		return;
	struct jr_file *f = at(t, id);
	/* Not the last references: no lock (refs changes to and from 0 only under it), so a reader's reference per
	 * page costs the fault service two atomics, not the table's mutex. */
	uint32_t r = __atomic_load_n(&f->refs, __ATOMIC_RELAXED);
	while (r > n)
		if (__atomic_compare_exchange_n(&f->refs, &r, r - n, 1, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
			return;
	int fd = -1;
	char *path = NULL;
	pthread_mutex_lock(&t->lock);
	if (__atomic_sub_fetch(&f->refs, n, __ATOMIC_RELAXED) == 0) {
		/* No page names it and nobody reads it (a reader holds a reference): out of its bucket, onto the free list. */
		fd = take_fd(t, id);
		int32_t *link = &t->bucket[bucket_of(f->dev, f->ino)];
		while (*link != id)
			link = &at(t, *link)->hnext;
		*link = f->hnext;
		path = f->path;
		f->path = NULL;
		f->hnext = t->free_head;
		t->free_head = id;
		t->live--;
		add(&t->c[JR_C_FILES_TRACKED], -1);
		add(&t->c[JR_C_RECORDS_HELD], -(int64_t)(strlen(path) + 1));
	}
	pthread_mutex_unlock(&t->lock);
	if (fd >= 0)
		close(fd);
	free(path);
}

/* id's descriptor for one read (a user until fd_put), reopened by path when evicted; or -counter. */
static int fd_get(struct jr_files *t, int id)
{
	struct jr_file *f = at(t, id);
	pthread_mutex_lock(&t->lock);
	if (f->gone) {
		pthread_mutex_unlock(&t->lock);
		return -JR_C_FILE_MISSING;
	}
	if (f->fd >= 0) {
		f->users++;
		if (t->lru_head != id) {
			lru_unlink(t, id);
			lru_push(t, id);
		}
		int fd = f->fd;
		pthread_mutex_unlock(&t->lock);
		return fd;
	}
	pthread_mutex_unlock(&t->lock);

	/* Evicted: open the path again, without the lock (a slow file system delays only this read). Only the
	 * same inode will do; whether it is still the same content is checked by the caller, as for any read. */
	int fd = open(f->path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? -JR_C_FILE_MISSING : -JR_C_FILE_IO_ERRORS;
	struct stat st;
	if (fstat(fd, &st) != 0 || st.st_dev != f->dev || st.st_ino != f->ino) {
		close(fd);
		return -JR_C_FILE_MISSING; /* the path names another file now: renamed over while evicted */
	}
	add(&t->c[JR_C_FILE_REOPENS], 1);
	int fds[8], k = 0, dup = -1;
	pthread_mutex_lock(&t->lock);
	if (f->fd >= 0) { /* another reader reopened it meanwhile */
		dup = fd;
		fd = f->fd;
	} else {
		put_fd(t, id, fd);
	}
	f->users++;
	k = evict(t, fds, 8);
	pthread_mutex_unlock(&t->lock);
	close_all(fds, k);
	if (dup >= 0)
		close(dup);
	return fd;
}

/* Ends fd_get; a file found deleted (gone) loses its descriptor as soon as its last reader is done. */
static void fd_put(struct jr_files *t, int id, int gone)
{
	struct jr_file *f = at(t, id);
	int fd = -1, fds[8], k = 0;
	pthread_mutex_lock(&t->lock);
	f->users--;
	if (gone)
		f->gone = 1;
	if (f->gone && f->users == 0)
		fd = take_fd(t, id);
	else
		k = evict(t, fds, 8);
	pthread_mutex_unlock(&t->lock);
	close_all(fds, k);
	if (fd >= 0)
		close(fd);
}

static int check_and_read(const struct jr_file *f, int fd, uint64_t off, unsigned char *dst, uint64_t len, int *gone)
{
	struct stat st, pst;
	if (fstat(fd, &st) != 0)
		return JR_C_FILE_IO_ERRORS;
	if (st.st_nlink == 0) {
		*gone = 1; /* deleted: no page is rebuilt from it again, so its space need not wait for the last page */
		return JR_C_FILE_MISSING;
	}
	/* The path now names another file (renamed over): the read's file is gone. */
	if (stat(f->path, &pst) != 0 || pst.st_dev != f->dev || pst.st_ino != f->ino)
		return JR_C_FILE_MISSING;
	if (!same_identity(f, &st)) /* written, truncated or extended since the read */
		return JR_C_FILE_STALE;
	if (off + len > (uint64_t)f->size)
		return JR_C_FILE_STALE;
	uint64_t got = 0;
	while (got < len) {
		ssize_t n = pread(fd, dst + got, len - got, (off_t)(off + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return JR_C_FILE_IO_ERRORS;
		got += (uint64_t)n;
	}
	/* A write racing the pread changes the identity too (multigrain timestamps: since we stat'ed the
	 * file, its next change gets a fresh ctime, docs/fault-path.md). */
	if (fstat(fd, &st) != 0 || !same_identity(f, &st))
		return JR_C_FILE_STALE;
	return 0;
}

int jr_files_read(struct jr_files *t, int id, uint64_t off, unsigned char *dst, uint64_t len)
{
	if (id < 0 || (uint32_t)id >= __atomic_load_n(&t->used, __ATOMIC_ACQUIRE))
		return JR_C_FILE_MISSING;
	int fd = fd_get(t, id);
	if (fd < 0)
		return -fd;
	int gone = 0;
	int why = check_and_read(at(t, id), fd, off, dst, len, &gone);
	fd_put(t, id, gone);
	return why;
}

int64_t jr_files_size(struct jr_files *t, int id)
{
	if (id < 0 || (uint32_t)id >= __atomic_load_n(&t->used, __ATOMIC_ACQUIRE))
		return -1;
	return (int64_t)at(t, id)->size; /* never changes while referenced (the caller holds a reference) */
}

uint32_t jr_files_open_count(struct jr_files *t)
{
	pthread_mutex_lock(&t->lock);
	uint32_t n = t->open;
	pthread_mutex_unlock(&t->lock);
	return n;
}

uint32_t jr_files_live_count(struct jr_files *t)
{
	pthread_mutex_lock(&t->lock);
	uint32_t n = t->live;
	pthread_mutex_unlock(&t->lock);
	return n;
}

int jr_files_fd_of(struct jr_files *t, int id)
{
	pthread_mutex_lock(&t->lock);
	int fd = id >= 0 && (uint32_t)id < t->used ? at(t, id)->fd : -1;
	pthread_mutex_unlock(&t->lock);
	return fd;
}
