/*
 * SNAPSHOT: an LZ4 copy of each chunk, taken at mark under the hold window and decoded at fault.
 * A chunk without a copy (never touched, or all zero at the last mark) reads as zeros.
 */
#include "source.h"

#include "check.h"
#include "hold.h"
#include "jreclaim.h"
#include "kernel.h"
#include "lz4_codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* One chunk: an LZ4 block, or the raw bytes when they do not compress. */
struct chunk {
	uint32_t stored_len; /* bytes after this header */
	uint32_t raw;        /* 1: stored uncompressed */
	unsigned char data[];
};

/* chunks[i] is swapped under the slot lock, by the marker only. */
struct snapshot {
	uint32_t nchunks;
	struct chunk *chunks[];
};

static int snapshot_init(const struct jr_env *env, struct jr_slot *sl, int file_fd, uint64_t file_off)
{
	(void)file_fd, (void)file_off;
	if (!jr_lz4_load())
		return -ENOPKG;
	uint32_t n = (uint32_t)((sl->len + env->chunk_bytes - 1) / env->chunk_bytes);
	struct snapshot *s = calloc(1, sizeof(*s) + n * sizeof(s->chunks[0]));
	if (!s)
		return -ENOMEM;
	s->nchunks = n;
	sl->src = s;
	return 0;
}

static void snapshot_release(struct jr_slot *sl, int keep_fd)
{
	(void)keep_fd;
	struct snapshot *s = sl->src;
	if (s) {
		for (uint32_t i = 0; i < s->nchunks; i++)
			free(s->chunks[i]);
		free(s);
	}
	sl->src = NULL;
	__atomic_store_n(&sl->st[JR_RS_SNAPSHOT_BYTES], 0, __ATOMIC_RELAXED);
}

static int decode(const struct chunk *c, unsigned char *dst, size_t len)
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

static int all_zero(const unsigned char *p, size_t n)
{
	const uint64_t *q = (const uint64_t *)p;
	for (size_t i = 0; i < n / 8; i++)
		if (q[i])
			return 0;
	return 1;
}

static int snapshot_mark(const struct jr_env *env, struct jr_slot *sl)
{
	struct snapshot *s = sl->src;
	uint64_t ps = env->page_size, cb = env->chunk_bytes;
	int bound = jr_lz4_bound((int)cb);
	unsigned char *buf = malloc(cb), *old = malloc(cb), *vec = malloc(env->chunk_pages);
	struct chunk *cbuf = malloc(sizeof(struct chunk) + (size_t)bound);
	int err = 0;
	if (!buf || !old || !vec || !cbuf) {
		err = -ENOMEM;
		goto out;
	}
	uint64_t total = 0;
	for (uint32_t ci = 0; ci < s->nchunks; ci++) {
		uint64_t w0 = sl->base + (uint64_t)ci * cb;
		uint64_t wlen = sl->base + sl->len - w0 < cb ? sl->base + sl->len - w0 : cb;
		uint64_t np = wlen / ps;
		jr_hold_begin(env, sl, w0, wlen);
		if (jr_k_mincore(w0, wlen, vec) != 0)
			memset(vec, 1, np);
		struct chunk *prev = s->chunks[ci]; /* only markers swap chunks; we are the marker */
		int old_ready = 0;
		for (uint64_t p = 0; p < np; p++) {
			unsigned char *dst = buf + p * ps;
			if (vec[p] & 1) {
				memcpy(dst, (const void *)(uintptr_t)(w0 + p * ps), ps);
			} else if (!prev) {
				memset(dst, 0, ps); /* never touched, or all zero at the last mark */
			} else {
				if (!old_ready) {
					if (decode(prev, old, wlen) != 0) {
						err = -EIO;
						jr_hold_end(env, sl, w0, wlen);
						goto out;
					}
					old_ready = 1;
				}
				memcpy(dst, old + p * ps, ps); /* purged since: its bytes are the old snapshot's */
			}
		}
		struct chunk *next = NULL;
		if (!all_zero(buf, wlen)) {
			int n = jr_lz4_compress((const char *)buf, (char *)cbuf->data, (int)wlen, bound);
			int raw = n <= 0 || (uint64_t)n >= wlen;
			size_t stored = raw ? wlen : (size_t)n;
			next = malloc(sizeof(struct chunk) + stored);
			if (!next) {
				err = -ENOMEM;
				jr_hold_end(env, sl, w0, wlen);
				goto out;
			}
			next->stored_len = (uint32_t)stored;
			next->raw = (uint32_t)raw;
			memcpy(next->data, raw ? buf : cbuf->data, stored);
			total += sizeof(struct chunk) + stored;
		}
		/* The new snapshot goes in before MADV_FREE: from then on the kernel may drop a page and a
		 * reader refault it at once, and the service must rebuild it from this copy. The previous
		 * one lacks every write made since the last mark. */
		jr_slot_lock(sl);
		struct chunk *replaced = s->chunks[ci];
		s->chunks[ci] = next;
		jr_slot_unlock(sl);
		jr_k_madvise(w0, wlen, MADV_FREE);
		jr_hold_end(env, sl, w0, wlen);
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

/* Under the slot lock (the marker swaps chunks under it). */
static int snapshot_produce(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen,
			    unsigned char *dst)
{
	jr_slot_assert_locked(sl);
	const struct snapshot *s = sl->src;
	uint32_t ci = (uint32_t)((w0 - sl->base) / env->chunk_bytes);
	const struct chunk *c = ci < s->nchunks ? s->chunks[ci] : NULL;
	if (!c) {
		memset(dst, 0, wlen);
		return 0;
	}
	return decode(c, dst, wlen);
}

const struct jr_source_ops jr_source_snapshot_ops = {
	.name = "SNAPSHOT",
	.rebuilds = 1,
	.needs_wp = 1,
	.init = snapshot_init,
	.release = snapshot_release,
	.mark = snapshot_mark,
	.produce = snapshot_produce,
};
