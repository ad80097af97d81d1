/*
 * The snapshot spill file (spill.h). One per service, opened by jr_service_set_spill before the first
 * mark; its extents are handed out and taken back under one mutex (a write or a read itself runs outside
 * it: an extent in use belongs to one chunk, which the marker frees only after jr_window_quiesce).
 */
#define _GNU_SOURCE
#include "spill.h"

#include "jreclaim.h"
#include "kernel.h"
#include "service.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

/* linux/magic.h: tmpfs and ramfs pages are shmem / unevictable memory, never written to a disk. */
#define TMPFS_MAGIC 0x01021994
#define RAMFS_MAGIC 0x858458f6

#define WARN_EVERY_NS (60ull * 1000000000ull)

struct extent {
	uint64_t off, len;
};

struct jr_spill {
	int fd;
	uint64_t *c;
	pthread_mutex_t lock;
	uint64_t end;        /* the file's length as the extents use it; under lock */
	struct extent *free; /* free extents below end, sorted by offset, none adjacent; under lock */
	uint32_t nfree, cap;
	uint64_t warned_ns;  /* atomic: the last warning's time */
	char dir[PATH_MAX];
};

static uint64_t units(uint32_t len) { return ((uint64_t)len + JR_SPILL_UNIT - 1) / JR_SPILL_UNIT * JR_SPILL_UNIT; }
static uint64_t block_up(uint64_t off) { return (off + JR_SPILL_BLOCK - 1) / JR_SPILL_BLOCK * JR_SPILL_BLOCK; }
static uint64_t block_down(uint64_t off) { return off / JR_SPILL_BLOCK * JR_SPILL_BLOCK; }

int jr_spill_open(const char *dir, uint64_t *c, struct jr_spill **out)
{
	struct statfs f;
	if (!dir || strlen(dir) >= PATH_MAX)
		return -ENAMETOOLONG;
	if (statfs(dir, &f) != 0)
		return -errno;
	if ((unsigned long)f.f_type == TMPFS_MAGIC || (unsigned long)f.f_type == RAMFS_MAGIC)
		return -EXDEV;
	int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
		/* A file system without O_TMPFILE: a named file, unlinked at once. */
		char path[PATH_MAX + 32];
		snprintf(path, sizeof(path), "%s/jreclaim-spill-XXXXXX", dir);
		fd = mkostemp(path, O_CLOEXEC);
		if (fd >= 0)
			unlink(path);
	}
	if (fd < 0)
		return -errno;
	struct jr_spill *sp = calloc(1, sizeof(*sp));
	if (!sp) {
		close(fd);
		return -ENOMEM;
	}
	sp->fd = fd;
	sp->c = c;
	pthread_mutex_init(&sp->lock, NULL);
	snprintf(sp->dir, sizeof(sp->dir), "%s", dir);
	__atomic_add_fetch(&c[JR_C_RECORDS_HELD], sizeof(*sp), __ATOMIC_RELAXED);
	*out = sp;
	return 0;
}

void jr_spill_close(struct jr_spill *sp)
{
	if (!sp)
		return;
	close(sp->fd);
	__atomic_sub_fetch(&sp->c[JR_C_RECORDS_HELD], sizeof(*sp) + sp->cap * sizeof(struct extent), __ATOMIC_RELAXED);
	pthread_mutex_destroy(&sp->lock);
	free(sp->free);
	free(sp);
}

const char *jr_spill_dir(const struct jr_spill *sp) { return sp->dir; }

/* First fit among the free extents, else the file's end. Under lock. */
static uint64_t take(struct jr_spill *sp, uint64_t len)
{
	for (uint32_t i = 0; i < sp->nfree; i++) {
		struct extent *e = &sp->free[i];
		if (e->len < len)
			continue;
		uint64_t off = e->off;
		e->off += len, e->len -= len;
		if (!e->len) {
			memmove(e, e + 1, (sp->nfree - i - 1) * sizeof(*e));
			sp->nfree--;
		}
		return off;
	}
	uint64_t off = sp->end;
	sp->end += len;
	return off;
}

/* The extent [off, off+len) back on the free list, merged with its neighbours; one at the file's end
 * shortens the end instead. Under lock. Sets [*hole, *hole + *hole_len) to the free span it is part of now, whose
 * whole blocks can be punched out. A list that cannot grow loses the extent (its offsets are not reused). */
static void give(struct jr_spill *sp, uint64_t off, uint64_t len, uint64_t *hole, uint64_t *hole_len)
{
	*hole = off, *hole_len = len;
	uint32_t i = 0;
	while (i < sp->nfree && sp->free[i].off < off)
		i++;
	int prev = i > 0 && sp->free[i - 1].off + sp->free[i - 1].len == off;
	int next = i < sp->nfree && off + len == sp->free[i].off;
	if (prev && next) {
		sp->free[i - 1].len += len + sp->free[i].len;
		memmove(&sp->free[i], &sp->free[i + 1], (sp->nfree - i - 1) * sizeof(sp->free[0]));
		sp->nfree--;
		i--;
	} else if (prev) {
		sp->free[--i].len += len;
	} else if (next) {
		sp->free[i].off = off;
		sp->free[i].len += len;
	} else {
		if (sp->nfree == sp->cap) {
			uint32_t cap = sp->cap ? sp->cap * 2 : 64;
			struct extent *grown = realloc(sp->free, cap * sizeof(*grown));
			if (!grown)
				return; /* punch what is free for sure: the extent's own whole blocks */
			__atomic_add_fetch(&sp->c[JR_C_RECORDS_HELD], (cap - sp->cap) * sizeof(*grown), __ATOMIC_RELAXED);
			sp->free = grown, sp->cap = cap;
		}
		memmove(&sp->free[i + 1], &sp->free[i], (sp->nfree - i) * sizeof(sp->free[0]));
		sp->free[i] = (struct extent){off, len};
		sp->nfree++;
	}
	*hole = sp->free[i].off, *hole_len = sp->free[i].len;
	if (sp->free[i].off + sp->free[i].len == sp->end) { /* the last extent: the file ends before it */
		sp->end = sp->free[i].off;
		sp->nfree--;
		*hole_len = block_up(*hole + *hole_len) - *hole; /* nothing lives past the end: its last block too */
	}
}

static void warn(struct jr_spill *sp, int err)
{
	uint64_t now = jr_k_now_ns(), last = __atomic_load_n(&sp->warned_ns, __ATOMIC_RELAXED);
	if (last && now - last < WARN_EVERY_NS)
		return;
	if (!__atomic_compare_exchange_n(&sp->warned_ns, &last, now, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED))
		return;
	char line[PATH_MAX + 256];
	int n = snprintf(line, sizeof(line),
			 "jreclaim: WARN the snapshot spill file in %s failed (%s, %llu failures so far): until it works again, "
			 "snapshots stay in memory within jreclaim.snapshot.max-memory and chunks past it stay plain memory "
			 "(at most one such line a minute)\n",
			 sp->dir, strerror(err), (unsigned long long)__atomic_load_n(&sp->c[JR_C_SPILL_ERRORS], __ATOMIC_RELAXED));
	if (n > 0 && write(STDERR_FILENO, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1) < 0) {
		/* nowhere else to say it; the counter has it */
	}
}

static void release_extent(struct jr_spill *sp, uint64_t off, uint64_t span);

int jr_spill_write(struct jr_spill *sp, const void *data, uint32_t len, uint64_t *off)
{
	uint64_t span = units(len);
	pthread_mutex_lock(&sp->lock);
	uint64_t at = take(sp, span);
	pthread_mutex_unlock(&sp->lock);
	int err = 0;
	for (uint32_t done = 0; done < len;) {
		ssize_t n = pwrite(sp->fd, (const char *)data + done, len - done, (off_t)(at + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		done += (uint32_t)n;
	}
	if (err) {
		release_extent(sp, at, span); /* what did get written is punched out again */
		__atomic_add_fetch(&sp->c[JR_C_SPILL_ERRORS], 1, __ATOMIC_RELAXED);
		warn(sp, -err);
		return err;
	}
	/* Start the writeback now (it does not wait for it): the pages are droppable once clean. */
	sync_file_range(sp->fd, (off_t)at, (off_t)len, SYNC_FILE_RANGE_WRITE);
	__atomic_add_fetch(&sp->c[JR_C_SPILL_HELD], span, __ATOMIC_RELAXED);
	__atomic_add_fetch(&sp->c[JR_C_SPILL_WRITE_BYTES], len, __ATOMIC_RELAXED);
	*off = at;
	return 0;
}

int jr_spill_read(struct jr_spill *sp, uint64_t off, void *dst, uint32_t len)
{
	for (uint32_t done = 0; done < len;) {
		ssize_t n = pread(sp->fd, (char *)dst + done, len - done, (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			__atomic_add_fetch(&sp->c[JR_C_SPILL_READ_ERRORS], 1, __ATOMIC_RELAXED);
			return n < 0 ? -errno : -EIO;
		}
		done += (uint32_t)n;
	}
	__atomic_add_fetch(&sp->c[JR_C_SPILL_READ_BYTES], len, __ATOMIC_RELAXED);
	return 0;
}

/* Extents are JR_SPILL_UNIT-aligned, so a block may hold parts of two chunks: only the whole blocks of the free span
 * the extent joined are punched out, under the lock (a write into that span takes the lock first). */
static void release_extent(struct jr_spill *sp, uint64_t off, uint64_t span)
{
	uint64_t hole, hole_len;
	pthread_mutex_lock(&sp->lock);
	give(sp, off, span, &hole, &hole_len);
	uint64_t from = block_up(hole), to = block_down(hole + hole_len);
	if (to > from)
		fallocate(sp->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)from, (off_t)(to - from));
	pthread_mutex_unlock(&sp->lock);
}

void jr_spill_free(struct jr_spill *sp, uint64_t off, uint32_t len)
{
	release_extent(sp, off, units(len));
	__atomic_sub_fetch(&sp->c[JR_C_SPILL_HELD], units(len), __ATOMIC_RELAXED);
}

JR_API int jr_service_set_spill(struct jr_service *svc, const char *dir, int mode)
{
	if (!svc)
		return -EBADF;
	if (mode != JR_SPILL_OFF && mode != JR_SPILL_OVER_BUDGET && mode != JR_SPILL_ALWAYS)
		return -EINVAL;
	/* One file for the service's life (chunks in it name its offsets): set before the first mark. */
	if (__atomic_load_n(&svc->env.spill, __ATOMIC_ACQUIRE))
		return -EBUSY;
	if (mode == JR_SPILL_OFF)
		return 0;
	struct jr_spill *sp = NULL, *none = NULL;
	int err = jr_spill_open(dir, svc->c, &sp);
	if (err)
		return err;
	__atomic_store_n(&svc->env.spill_mode, mode, __ATOMIC_RELAXED);
	if (!__atomic_compare_exchange_n(&svc->env.spill, &none, sp, 0, __ATOMIC_RELEASE, __ATOMIC_RELAXED)) {
		jr_spill_close(sp);
		return -EBUSY;
	}
	return 0;
}
