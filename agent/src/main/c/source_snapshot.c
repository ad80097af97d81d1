/*
 * SNAPSHOT: an LZ4 copy of each chunk, taken at mark under the hold window and decoded at fault.
 * A chunk without a copy (never touched, all zero at the last mark, or one whose copy did not pay
 * under JR_FALLBACK_ZERO) reads as zeros; under JR_FALLBACK_KEEP such a chunk is never freed.
 */
#include "source.h"

#include "check.h"
#include "files.h"
#include "hold.h"
#include "jreclaim.h"
#include "kernel.h"
#include "lz4_codec.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* One chunk's LZ4 block. A chunk is kept only in a form that pays (jr_service_set_snapshot_limits):
 * random bytes, whose LZ4 block is as large as they are, keep none (docs/fault-path.md, "Snapshots
 * only where they pay"). */
struct chunk {
	uint32_t stored_len; /* bytes after this header */
	unsigned char data[];
};

/* Where a page's bytes came from, under the slot lock. Reads (jr_range_provenance) set only the
 * candidate; only the marker sets the verified pair, after comparing the page with the candidate's file
 * in the hold window: the snapshot holds zeros for a verified page and the service reads it back from
 * that file (docs/fault-path.md, "Pages rebuilt from the file they were read from"). So a read recorded
 * while the marker works can never take a page out of the snapshot unchecked. */
struct prov {
	int32_t file;  /* candidate: id in env->files, or -1 */
	int32_t vfile; /* verified at the last mark, or -1 */
	uint64_t off;  /* the candidate page's offset in its file */
	uint64_t voff;
};

/* chunks[i] is swapped under the slot lock, by the marker only. */
struct snapshot {
	const struct jr_env *env; /* the service's, which outlives the range */
	int fallback; /* JR_FALLBACK_*: what a chunk whose snapshot does not pay becomes; under the slot lock */
	uint32_t nchunks;
	uint64_t npages;
	struct prov *prov; /* npages entries once a read recorded any, else NULL; under the slot lock */
	struct chunk *chunks[];
};

static uint64_t chunk_cost(const struct chunk *c) { return c ? sizeof(*c) + c->stored_len : 0; }

static uint64_t *held(const struct jr_env *env) { return &env->c[JR_C_SNAPSHOT_HELD]; }
/* The records about a range (its chunk table, its pages' provenance): the agent's memory, not snapshot data. */
static uint64_t *records(const struct jr_env *env) { return &env->c[JR_C_RECORDS_HELD]; }

static int snapshot_init(const struct jr_env *env, struct jr_slot *sl, int file_fd, uint64_t file_off)
{
	(void)file_fd, (void)file_off;
	if (!jr_lz4_load())
		return -ENOPKG;
	uint32_t n = (uint32_t)((sl->len + env->chunk_bytes - 1) / env->chunk_bytes);
	struct snapshot *s = calloc(1, sizeof(*s) + n * sizeof(s->chunks[0]));
	if (!s)
		return -ENOMEM;
	s->env = env;
	s->fallback = JR_FALLBACK_KEEP;
	s->nchunks = n;
	s->npages = sl->len / env->page_size;
	sl->src = s;
	jr_add(records(env), sizeof(*s) + n * sizeof(s->chunks[0]));
	return 0;
}

static void snapshot_release(struct jr_slot *sl, int keep_fd)
{
	(void)keep_fd;
	struct snapshot *s = sl->src;
	if (s) {
		const struct jr_env *env = s->env;
		uint64_t freed = 0, recs = sizeof(*s) + s->nchunks * sizeof(s->chunks[0]);
		for (uint32_t i = 0; i < s->nchunks; i++) {
			freed += chunk_cost(s->chunks[i]);
			free(s->chunks[i]);
		}
		if (s->prov)
			recs += s->npages * sizeof(s->prov[0]);
		free(s->prov);
		free(s);
		__atomic_sub_fetch(held(env), freed, __ATOMIC_RELAXED);
		__atomic_sub_fetch(records(env), recs, __ATOMIC_RELAXED);
	}
	sl->src = NULL;
	__atomic_store_n(&sl->st[JR_RS_SNAPSHOT_BYTES], 0, __ATOMIC_RELAXED);
}

static int snapshot_set_fallback(struct jr_slot *sl, int fallback)
{
	jr_slot_assert_locked(sl);
	if (fallback != JR_FALLBACK_KEEP && fallback != JR_FALLBACK_ZERO)
		return -EINVAL;
	((struct snapshot *)sl->src)->fallback = fallback;
	return 0;
}

static int snapshot_provenance(struct jr_slot *sl, uint64_t first, uint64_t n, int id, uint64_t file_off)
{
	jr_slot_assert_locked(sl);
	struct snapshot *s = sl->src;
	uint64_t ps = s->env->page_size;
	if (first > s->npages || n > s->npages - first)
		return -EINVAL;
	if (!s->prov) {
		s->prov = malloc(s->npages * sizeof(s->prov[0]));
		if (!s->prov)
			return -ENOMEM;
		for (uint64_t p = 0; p < s->npages; p++)
			s->prov[p] = (struct prov){.file = -1, .vfile = -1};
		jr_add(records(s->env), s->npages * sizeof(s->prov[0]));
	}
	/* A candidate until the next mark compares it: the read just wrote the page, which is dirty now, so
	 * the kernel keeps it until then. */
	for (uint64_t p = 0; p < n; p++) {
		s->prov[first + p].file = id;
		s->prov[first + p].off = file_off + p * ps;
	}
	return (int)n;
}

/* A page's provenance as the marker sees it now. */
static struct prov prov_at(struct jr_slot *sl, struct snapshot *s, uint64_t page)
{
	jr_slot_lock(sl);
	struct prov p = s->prov ? s->prov[page] : (struct prov){.file = -1, .vfile = -1};
	jr_slot_unlock(sl);
	return p;
}

/* The marker's verdict on a page: verified from (file, off), or (file -1) kept in the snapshot. */
static void prov_verdict(struct jr_slot *sl, struct snapshot *s, uint64_t page, int32_t file, uint64_t off)
{
	jr_slot_lock(sl);
	s->prov[page].vfile = file;
	s->prov[page].voff = off;
	jr_slot_unlock(sl);
}

static int decode(const struct chunk *c, unsigned char *dst, size_t len)
{
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

/* The chunk's LZ4 block if it pays and fits the snapshot memory limit (charged to it), else NULL with
 * *why set to the counter that says why. */
static struct chunk *keepable(const struct jr_env *env, const unsigned char *buf, uint64_t wlen, struct chunk *cbuf,
			      int bound, uint64_t replaced_cost, int *why, int *err)
{
	int n = jr_lz4_compress((const char *)buf, (char *)cbuf->data, (int)wlen, bound);
	uint32_t ratio = __atomic_load_n(&env->snapshot_min_ratio_pct, __ATOMIC_RELAXED);
	if (n <= 0 || (uint64_t)n * ratio > wlen * 100) {
		*why = JR_C_CHUNKS_INCOMPRESSIBLE;
		return NULL;
	}
	uint64_t cost = sizeof(struct chunk) + (uint64_t)n;
	uint64_t after = __atomic_add_fetch(held(env), cost, __ATOMIC_RELAXED);
	if (after - replaced_cost > __atomic_load_n(&env->snapshot_max_bytes, __ATOMIC_RELAXED)) {
		__atomic_sub_fetch(held(env), cost, __ATOMIC_RELAXED);
		*why = JR_C_CHUNKS_OVER_BUDGET;
		return NULL;
	}
	struct chunk *next = malloc(cost);
	if (!next) {
		__atomic_sub_fetch(held(env), cost, __ATOMIC_RELAXED);
		*err = -ENOMEM;
		return NULL;
	}
	next->stored_len = (uint32_t)n;
	memcpy(next->data, cbuf->data, (size_t)n);
	return next;
}

/* KEEP: pages purged since the last mark come back from buf (the old snapshot's bytes), inside the
 * hold window, write-protected like the rest of it until jr_hold_end. */
static void install_missing(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t np,
			    const unsigned char *vec, const unsigned char *buf)
{
	uint64_t ps = env->page_size;
	uint64_t page0 = (w0 - sl->base) / ps;
	for (uint64_t p = 0; p < np; p++) {
		if (vec[p] & 1)
			continue;
		struct prov pv = prov_at(sl, sl->src, page0 + p);
		if (pv.vfile >= 0)
			continue; /* buf holds zeros for it: the service reads it from the file on the touch below */
		int64_t done;
		for (int tries = 0; tries < 1000; tries++) { /* EEXIST: the service restored it meanwhile */
			int r = jr_k_copy(env->uffd, w0 + p * ps, buf + p * ps, ps, env->wp, &done);
			if (r != -EAGAIN)
				break;
		}
	}
}

static int snapshot_mark(const struct jr_env *env, struct jr_slot *sl)
{
	struct snapshot *s = sl->src;
	uint64_t ps = env->page_size, cb = env->chunk_bytes;
	int bound = jr_lz4_bound((int)cb);
	unsigned char *buf = malloc(cb), *old = malloc(cb), *vec = malloc(env->chunk_pages), *filebuf = NULL;
	struct chunk *cbuf = malloc(sizeof(struct chunk) + (size_t)bound);
	int err = 0;
	if (!buf || !old || !vec || !cbuf) {
		err = -ENOMEM;
		goto out;
	}
	jr_slot_lock(sl);
	int fallback = s->fallback;
	jr_slot_unlock(sl);
	uint64_t total = 0, kept_pages = 0;
	for (uint32_t ci = 0; ci < s->nchunks; ci++) {
		uint64_t w0 = sl->base + (uint64_t)ci * cb;
		uint64_t wlen = sl->base + sl->len - w0 < cb ? sl->base + sl->len - w0 : cb;
		uint64_t np = wlen / ps;
		jr_hold_begin(env, sl, w0, wlen);
		if (jr_k_mincore(w0, wlen, vec) != 0)
			memset(vec, 1, np);
		struct chunk *prev = s->chunks[ci]; /* only markers swap chunks; we are the marker */
		int old_ready = 0;
		uint64_t page0 = (w0 - sl->base) / ps;
		for (uint64_t p = 0; p < np; p++) {
			unsigned char *dst = buf + p * ps;
			struct prov pv = prov_at(sl, s, page0 + p);
			if (vec[p] & 1) {
				memcpy(dst, (const void *)(uintptr_t)(w0 + p * ps), ps);
				int32_t cf = pv.file >= 0 ? pv.file : pv.vfile; /* the latest read, else the last verdict */
				uint64_t co = pv.file >= 0 ? pv.off : pv.voff;
				if (cf >= 0) {
					/* Inside the hold window nothing writes the page: if it equals its file now,
					 * the file rebuilds it and the snapshot keeps zeros in its place. */
					if (!filebuf && !(filebuf = malloc(ps))) {
						err = -ENOMEM;
						jr_hold_end(env, sl, w0, wlen);
						goto out;
					}
					int ok = jr_files_read(env->files, cf, co, filebuf, ps) == 0 && memcmp(filebuf, dst, ps) == 0;
					prov_verdict(sl, s, page0 + p, ok ? cf : -1, co);
					jr_add(&env->c[ok ? JR_C_FILE_VERIFIED : JR_C_FILE_UNVERIFIED], 1);
					if (ok)
						memset(dst, 0, ps);
				}
			} else if (pv.vfile >= 0) {
				memset(dst, 0, ps); /* purged since: the file rebuilds it */
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
		int why = 0;
		if (!all_zero(buf, wlen)) {
			next = keepable(env, buf, wlen, cbuf, bound, chunk_cost(prev), &why, &err);
			if (err) {
				jr_hold_end(env, sl, w0, wlen);
				goto out;
			}
			if (why)
				jr_add(&env->c[why], 1);
		}
		if (!next && why && fallback == JR_FALLBACK_KEEP) {
			/* Ordinary memory: every page present and dirty, never MADV_FREE'd. Until the touch
			 * below has made each page non-lazyfree, a page dropped meanwhile still holds the old
			 * snapshot's bytes, so the old snapshot stays in place until then. */
			if (prev)
				install_missing(env, sl, w0, np, vec, buf);
			jr_hold_end(env, sl, w0, wlen);
			jr_k_touch_write(w0, wlen, ps);
			jr_slot_lock(sl);
			s->chunks[ci] = NULL;
			jr_slot_unlock(sl);
			jr_window_quiesce(sl); /* a restore that took prev before the swap may still decode it */
			__atomic_sub_fetch(held(env), chunk_cost(prev), __ATOMIC_RELAXED);
			free(prev);
			jr_add(&env->c[JR_C_CHUNKS_KEPT], 1);
			kept_pages += np;
			continue;
		}
		total += chunk_cost(next);
		/* The new snapshot goes in before MADV_FREE: from then on the kernel may drop a page and a
		 * reader refault it at once, and the service must rebuild it from this copy. The previous
		 * one lacks every write made since the last mark. A chunk without one (all zero, or
		 * JR_FALLBACK_ZERO) reads as zeros. */
		jr_slot_lock(sl);
		struct chunk *replaced = s->chunks[ci];
		s->chunks[ci] = next;
		jr_slot_unlock(sl);
		jr_k_madvise(w0, wlen, MADV_FREE);
		jr_hold_end(env, sl, w0, wlen);
		jr_window_quiesce(sl); /* a restore that took the replaced chunk before the swap may still decode it */
		__atomic_sub_fetch(held(env), chunk_cost(replaced), __ATOMIC_RELAXED);
		free(replaced);
	}
	__atomic_store_n(&sl->st[JR_RS_SNAPSHOT_BYTES], total, __ATOMIC_RELAXED);
	__atomic_store_n(&sl->st[JR_RS_KEPT_PAGES], kept_pages, __ATOMIC_RELAXED);
out:
	free(filebuf);
	free(buf);
	free(old);
	free(vec);
	free(cbuf);
	return err;
}

/* A page of the chunk to read from its file, as the last mark verified it. */
struct verified {
	uint64_t page; /* in the chunk */
	int32_t file;
	uint64_t off;
};

/* Without the slot lock, holding the window lock shared (source.h): what the marker changes (the chunk's
 * block, the verdicts) is read under the slot lock, the decoding and the file reads are done outside it,
 * so restores of different chunks of the range run in parallel. The block stays valid meanwhile: the
 * marker frees a block it swapped out only after jr_window_quiesce. */
static int snapshot_produce(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen,
			    unsigned char *dst, void *work)
{
	const struct snapshot *s = sl->src;
	uint64_t ps = env->page_size, page0 = (w0 - sl->base) / ps;
	uint32_t ci = (uint32_t)((w0 - sl->base) / env->chunk_bytes);
	struct verified *v = work;
	uint64_t nv = 0;
	jr_slot_lock(sl);
	const struct chunk *c = ci < s->nchunks ? s->chunks[ci] : NULL;
	if (s->prov)
		for (uint64_t p = 0; p < wlen / ps; p++)
			if (s->prov[page0 + p].vfile >= 0)
				v[nv++] = (struct verified){p, s->prov[page0 + p].vfile, s->prov[page0 + p].voff};
	jr_slot_unlock(sl);
	if (!c)
		memset(dst, 0, wlen);
	else if (decode(c, dst, wlen) != 0)
		return -EIO;
	/* Verified pages from their file, after the identity check; a file that changed since gives
	 * zeros (the fallback rebuild:file requires), counted by reason: never stale bytes. */
	for (uint64_t i = 0; i < nv; i++) {
		unsigned char *d = dst + v[i].page * ps;
		int why = jr_files_read(env->files, v[i].file, v[i].off, d, ps);
		jr_add(&env->c[why ? why : JR_C_FILE_PAGES], 1);
		if (why) {
			memset(d, 0, ps);
			jr_add(&sl->st[JR_RS_REBUILD_FAILURES], 1);
		}
	}
	return 0;
}

const struct jr_source_ops jr_source_snapshot_ops = {
	.name = "SNAPSHOT",
	.rebuilds = 1,
	.needs_wp = 1,
	.init = snapshot_init,
	.release = snapshot_release,
	.set_fallback = snapshot_set_fallback,
	.provenance = snapshot_provenance,
	.mark = snapshot_mark,
	.produce = snapshot_produce,
};
