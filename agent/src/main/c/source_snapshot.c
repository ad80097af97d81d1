/*
 * SNAPSHOT: an LZ4 copy of each chunk, taken at mark under the hold window and decoded at fault.
 * A chunk without a copy (never touched, all zero at the last mark, or one whose copy did not pay
 * under JR_FALLBACK_ZERO) reads as zeros; under JR_FALLBACK_KEEP such a chunk is never freed.
 */
#include "source.h"

#include "check.h"
#include "files.h"
#include "hash.h"
#include "hold.h"
#include "jreclaim.h"
#include "kernel.h"
#include "lz4_codec.h"
#include "spill.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* One chunk's LZ4 block. A chunk is kept only in a form that pays (jr_service_set_snapshot_limits):
 * random bytes, whose LZ4 block is as large as they are, keep none (docs/fault-path.md, "Snapshots
 * only where they pay"). The block follows the header in memory, or is in the spill file at off (spill.h,
 * docs/fault-path.md, "Spilling snapshots to a file"). */
struct chunk {
	uint32_t stored_len; /* bytes of the LZ4 block */
	uint32_t spilled;    /* 1: the block is in env->spill at off, not after this header */
	uint64_t off;
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
/* Each file id >= 0 in a prov holds one reference to its entry (files.h): a deleted file's entry and
 * descriptor go once no page names it. */

/* chunks[i] is swapped under the slot lock, by the marker only. */
struct snapshot {
	const struct jr_env *env; /* the service's, which outlives the range */
	int fallback; /* JR_FALLBACK_*: what a chunk whose snapshot does not pay becomes; under the slot lock */
	uint32_t nchunks;
	uint64_t npages;
	struct prov *prov; /* npages entries once a read recorded any, else NULL; under the slot lock */
	uint32_t file_policy; /* JR_FILE_* (jr_range_set_file_policy); under the slot lock */
	uint64_t *hash;    /* JR_FILE_HASH: XXH64 of each verified page at its mark (npages), else NULL */
	uint8_t *vsnap;    /* JR_FILE_SNAPSHOT: 1 where a verified page's bytes are in the snapshot too (npages) */
	uint8_t *lost;     /* JR_FILE_THROW, per page under the slot lock: LOST_PENDING (produce could not rebuild it),
			    * LOST (poisoned: never installed, copied or touched from C again until lock/detach) */
	struct chunk *chunks[];
};

enum { LOST_NO = 0, LOST_PENDING = 1, LOST = 2 };

/* The memory a chunk holds (JR_C_SNAPSHOT_HELD): a spilled one only its header. */
static uint64_t chunk_cost(const struct chunk *c) { return c ? sizeof(*c) + (c->spilled ? 0 : c->stored_len) : 0; }

static void chunk_free(const struct jr_env *env, struct chunk *c)
{
	if (c && c->spilled)
		jr_spill_free(env->spill, c->off, c->stored_len);
	free(c);
}

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

/* Drops the file references of every page record, a run of equal ids at a time. */
static void unref_all(struct snapshot *s)
{
	struct jr_files *files = s->env->files;
	int32_t id = -1;
	uint32_t n = 0;
	for (uint64_t p = 0; p < s->npages; p++) {
		int32_t ids[2] = {s->prov[p].file, s->prov[p].vfile};
		for (int k = 0; k < 2; k++) {
			if (ids[k] < 0)
				continue;
			if (ids[k] != id) {
				jr_files_unref(files, id, n);
				id = ids[k], n = 0;
			}
			n++;
		}
	}
	jr_files_unref(files, id, n);
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
			chunk_free(env, s->chunks[i]);
		}
		if (s->prov) {
			recs += s->npages * sizeof(s->prov[0]);
			unref_all(s);
		}
		recs += (s->hash ? s->npages * sizeof(s->hash[0]) : 0) + (s->vsnap ? s->npages : 0) +
			(s->lost ? s->npages : 0);
		free(s->lost);
		free(s->prov);
		free(s->hash);
		free(s->vsnap);
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

static int snapshot_set_file_policy(struct jr_slot *sl, uint32_t flags)
{
	jr_slot_assert_locked(sl);
	if (flags & ~(JR_FILE_HASH | JR_FILE_SNAPSHOT | JR_FILE_THROW))
		return -EINVAL;
	((struct snapshot *)sl->src)->file_policy = flags;
	return 0;
}

/* Takes the n references intern gave id (one per page) on success; the caller drops them on failure. */
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
	int32_t old = -1;
	uint32_t olds = 0;
	for (uint64_t p = 0; p < n; p++) {
		struct prov *pv = &s->prov[first + p];
		if (pv->file >= 0) { /* a read over an earlier one: the older candidate's reference goes */
			if (pv->file != old) {
				jr_files_unref(s->env->files, old, olds);
				old = pv->file, olds = 0;
			}
			olds++;
		}
		pv->file = id;
		pv->off = file_off + p * ps;
	}
	jr_files_unref(s->env->files, old, olds);
	return (int)n;
}

/* A page's bytes from its file: the file's last page is the file's tail and zeros (jr_range_provenance
 * records it only when the read reached the file's end). 0, or the counter that says why not. */
static int file_page(const struct jr_env *env, int32_t id, uint64_t off, unsigned char *dst)
{
	uint64_t ps = env->page_size, n = ps;
	int64_t size = jr_files_size(env->files, id); /* its identity at the read */
	if (size >= 0 && off < (uint64_t)size && (uint64_t)size - off < ps) {
		n = (uint64_t)size - off;
		memset(dst + n, 0, ps - n);
	}
	return jr_files_read(env->files, id, off, dst, n);
}

/* A page's provenance as the marker sees it now. */
static struct prov prov_at(struct jr_slot *sl, struct snapshot *s, uint64_t page)
{
	jr_slot_lock(sl);
	struct prov p = s->prov ? s->prov[page] : (struct prov){.file = -1, .vfile = -1};
	jr_slot_unlock(sl);
	return p;
}

/* The file the marker compares a resident page with: the latest read, else the last verdict; with a
 * reference of the marker's own (a read recorded meanwhile may drop the page's), or -1. */
static int32_t prov_take(struct jr_slot *sl, struct snapshot *s, uint64_t page, uint64_t *off)
{
	jr_slot_lock(sl);
	int32_t f = -1;
	if (s->prov) {
		const struct prov *p = &s->prov[page];
		f = p->file >= 0 ? p->file : p->vfile;
		*off = p->file >= 0 ? p->off : p->voff;
		jr_files_ref(s->env->files, f);
	}
	jr_slot_unlock(sl);
	return f;
}

/* The marker's verdict on a page compared with (file, off), whose reference it hands over: verified (ok,
 * with the page's hash) or kept in the snapshot. The candidate it compared is used up either way, so a
 * page written after its read is not compared again at every mark. */
static void prov_verdict(struct jr_slot *sl, struct snapshot *s, uint64_t page, int32_t file, uint64_t off, int ok,
			 uint64_t hash)
{
	struct jr_files *files = s->env->files;
	jr_slot_lock(sl);
	struct prov *p = &s->prov[page];
	int32_t drop[3] = {p->vfile, ok ? -1 : file, -1};
	if (p->file == file && p->off == off) {
		drop[2] = p->file;
		p->file = -1;
	}
	p->vfile = ok ? file : -1;
	p->voff = off;
	if (s->hash)
		s->hash[page] = hash;
	for (int k = 0; k < 3; k++)
		jr_files_unref(files, drop[k], 1);
	jr_slot_unlock(sl);
}

/* Lazily allocated per-page arrays of the file policy (records, not snapshot data). */
static int ensure_policy_arrays(struct jr_slot *sl, struct snapshot *s, uint32_t policy)
{
	jr_slot_lock(sl);
	int err = 0;
	if ((policy & JR_FILE_HASH) && !s->hash) {
		if ((s->hash = calloc(s->npages, sizeof(s->hash[0]))))
			jr_add(records(s->env), s->npages * sizeof(s->hash[0]));
		else
			err = -ENOMEM;
	}
	if ((policy & JR_FILE_THROW) && !s->lost) {
		if ((s->lost = calloc(s->npages, 1)))
			jr_add(records(s->env), s->npages);
		else
			err = -ENOMEM;
	}
	if ((policy & JR_FILE_SNAPSHOT) && !s->vsnap) {
		if ((s->vsnap = calloc(s->npages, 1)))
			jr_add(records(s->env), s->npages);
		else
			err = -ENOMEM;
	}
	jr_slot_unlock(sl);
	return err;
}

/* The chunk's bytes into dst; a spilled block is read into buf when it fits cap, else into memory of its own.
 * 0, or -errno (-EIO: the block does not decode to len bytes). */
static int decode(const struct jr_env *env, const struct chunk *c, unsigned char *dst, size_t len, void *buf,
		  size_t cap)
{
	const char *block = (const char *)c->data;
	void *own = NULL;
	if (c->spilled) {
		if (c->stored_len > cap && !(buf = own = malloc(c->stored_len)))
			return -ENOMEM;
		int err = jr_spill_read(env->spill, c->off, buf, c->stored_len);
		if (err) {
			free(own);
			return err;
		}
		block = buf;
	}
	int n = jr_lz4_decompress(block, (char *)dst, (int)c->stored_len, (int)len);
	free(own);
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
 * *why set to the counter that says why. *cand is the block's memory (a header and room for bound bytes,
 * allocated here when NULL): a block kept in memory takes it over, shrunk in place to its size (realloc, so
 * no copy and no fresh pages for a buffer of its own), and *cand becomes NULL; else the caller reuses it. */
static struct chunk *keepable(const struct jr_env *env, const unsigned char *buf, uint64_t wlen, struct chunk **cand,
			      int bound, uint64_t replaced_cost, int *why, int *err)
{
	if (!*cand && !(*cand = malloc(sizeof(struct chunk) + (size_t)bound))) {
		*err = -ENOMEM;
		return NULL;
	}
	struct chunk *cbuf = *cand;
	int n = jr_lz4_compress((const char *)buf, (char *)cbuf->data, (int)wlen, bound);
	uint32_t ratio = __atomic_load_n(&env->snapshot_min_ratio_pct, __ATOMIC_RELAXED);
	if (n <= 0 || (uint64_t)n * ratio > wlen * 100) {
		*why = JR_C_CHUNKS_INCOMPRESSIBLE;
		return NULL;
	}
	uint64_t cost = sizeof(struct chunk) + (uint64_t)n, max = __atomic_load_n(&env->snapshot_max_bytes, __ATOMIC_RELAXED);
	struct jr_spill *sp = __atomic_load_n(&env->spill, __ATOMIC_ACQUIRE);
	int mode = sp ? __atomic_load_n(&env->spill_mode, __ATOMIC_RELAXED) : JR_SPILL_OFF;
	if (mode == JR_SPILL_ALWAYS ||
	    (mode == JR_SPILL_OVER_BUDGET && __atomic_load_n(held(env), __ATOMIC_RELAXED) + cost - replaced_cost > max)) {
		/* To the file, whose pages the kernel can drop: memory holds the header only. A failed write leaves the
		 * chunk to memory within the limit, else to its fallback (counted, warned by spill.c). */
		struct chunk *sc = malloc(sizeof(*sc));
		if (!sc) {
			*err = -ENOMEM;
			return NULL;
		}
		uint64_t off = 0;
		if (jr_spill_write(sp, cbuf->data, (uint32_t)n, &off) == 0) {
			*sc = (struct chunk){.stored_len = (uint32_t)n, .spilled = 1, .off = off};
			__atomic_add_fetch(held(env), sizeof(*sc), __ATOMIC_RELAXED);
			jr_add(&env->c[JR_C_CHUNKS_SPILLED], 1);
			return sc;
		}
		free(sc);
	}
	uint64_t after = __atomic_add_fetch(held(env), cost, __ATOMIC_RELAXED);
	if (after - replaced_cost > max) {
		__atomic_sub_fetch(held(env), cost, __ATOMIC_RELAXED);
		*why = JR_C_CHUNKS_OVER_BUDGET;
		return NULL;
	}
	cbuf->stored_len = (uint32_t)n;
	cbuf->spilled = 0;
	cbuf->off = 0;
	struct chunk *next = realloc(cbuf, cost); /* shrinking: in place; on failure the larger block serves */
	*cand = NULL;
	return next ? next : cbuf;
}

static int is_lost(struct jr_slot *sl, struct snapshot *s, uint64_t page)
{
	if (!s->lost)
		return 0;
	jr_slot_lock(sl);
	int lost = s->lost[page] == LOST;
	jr_slot_unlock(sl);
	return lost;
}

/* jr_k_touch_write of a chunk's pages but the lost ones (a touch would raise SIGBUS here). */
static void touch_unlost(struct jr_slot *sl, struct snapshot *s, uint64_t w0, uint64_t np, uint64_t ps)
{
	uint64_t page0 = (w0 - sl->base) / ps;
	for (uint64_t p = 0; p < np; p++)
		if (!is_lost(sl, s, page0 + p))
			jr_k_touch_write(w0 + p * ps, ps, ps);
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
		if (pv.vfile >= 0 || is_lost(sl, sl->src, page0 + p))
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
	/* buf (the chunk as the snapshot holds it) and old (the previous snapshot decoded) only for a chunk with
	 * pages missing, lost or read from a file; cand is the next block's memory (keepable). Allocated at first
	 * need: a chunk whose pages are all resident is compressed where it is (below). */
	unsigned char vec[JR_MAX_CHUNK_PAGES], verified[JR_MAX_CHUNK_PAGES]; /* verified: pages the file rebuilds */
	unsigned char *buf = NULL, *old = NULL, *filebuf = NULL;
	struct chunk *cand = NULL;
	int err = 0;
	jr_slot_lock(sl);
	int fallback = s->fallback;
	uint32_t policy = s->file_policy;
	int any_prov = s->prov != NULL;
	jr_slot_unlock(sl);
	if (any_prov && policy && (err = ensure_policy_arrays(sl, s, policy)) != 0)
		goto out;
	int keep_both = any_prov && (policy & JR_FILE_SNAPSHOT);
	uint64_t total = 0, kept_pages = 0;
	for (uint32_t ci = 0; ci < s->nchunks; ci++) {
		uint64_t w0 = sl->base + (uint64_t)ci * cb;
		uint64_t wlen = sl->base + sl->len - w0 < cb ? sl->base + sl->len - w0 : cb;
		uint64_t np = wlen / ps;
		jr_hold_begin(env, sl, w0, wlen);
		if (jr_k_mincore(w0, wlen, vec) != 0)
			memset(vec, 1, np);
		struct chunk *prev = s->chunks[ci]; /* only markers swap chunks; we are the marker */
		int old_ready = 0, nverified = 0;
		uint64_t page0 = (w0 - sl->base) / ps;
		memset(verified, 0, np);
		/* Every page resident and none lost or read from a file: the snapshot is the chunk's bytes as they
		 * are, and inside the hold window nothing writes them (a page the kernel drops meanwhile was not
		 * written since the last mark: the service restores the same bytes from prev), so LZ4 reads them in
		 * place, without a copy. A provenance recorded meanwhile waits for the next mark. */
		jr_slot_lock(sl);
		int in_place = !s->prov && !s->lost;
		jr_slot_unlock(sl);
		for (uint64_t p = 0; in_place && p < np; p++)
			in_place = vec[p] & 1;
		const unsigned char *src = in_place ? (const unsigned char *)(uintptr_t)w0 : NULL;
		if (!src && ((!buf && !(buf = malloc(cb))) || (!old && !(old = malloc(cb))) ||
			     (!cand && !(cand = malloc(sizeof(struct chunk) + (size_t)bound))))) {
			err = -ENOMEM;
			jr_hold_end(env, sl, w0, wlen, 0);
			goto out;
		}
		for (uint64_t p = 0; !src && p < np; p++) {
			unsigned char *dst = buf + p * ps;
			struct prov pv = prov_at(sl, s, page0 + p);
			if (is_lost(sl, s, page0 + p)) {
				memset(dst, 0, ps); /* poisoned: reading it here would raise SIGBUS in native code */
				vec[p] = 0;
			} else if (vec[p] & 1) {
				memcpy(dst, (const void *)(uintptr_t)(w0 + p * ps), ps);
				uint64_t co = 0;
				int32_t cf = prov_take(sl, s, page0 + p, &co);
				if (cf >= 0) {
					/* Inside the hold window nothing writes the page: if it equals its file now,
					 * the file rebuilds it and the snapshot keeps zeros in its place (or, with
					 * rebuild:snapshot after rebuild:file, its bytes where that pays). */
					if (!filebuf && !(filebuf = malloc(ps))) {
						jr_files_unref(env->files, cf, 1);
						err = -ENOMEM;
						jr_hold_end(env, sl, w0, wlen, 0);
						goto out;
					}
					int ok = file_page(env, cf, co, filebuf) == 0 && memcmp(filebuf, dst, ps) == 0;
					uint64_t h = ok && (policy & JR_FILE_HASH) ? jr_xxh64(dst, ps, 0) : 0;
					prov_verdict(sl, s, page0 + p, cf, co, ok, h);
					jr_add(&env->c[ok ? JR_C_FILE_VERIFIED : JR_C_FILE_UNVERIFIED], 1);
					verified[p] = (unsigned char)ok;
					nverified += ok;
				}
			} else if (pv.vfile >= 0 && keep_both && s->vsnap[page0 + p] && prev) {
				/* purged since, and its bytes were in the old snapshot: keep them (the file first, still) */
				if (!old_ready) {
					if (decode(env, prev, old, wlen, cand->data, (size_t)bound) != 0) {
						err = -EIO;
						jr_hold_end(env, sl, w0, wlen, 0);
						goto out;
					}
					old_ready = 1;
				}
				memcpy(dst, old + p * ps, ps);
				verified[p] = 1;
				nverified++;
			} else if (pv.vfile >= 0) {
				memset(dst, 0, ps); /* purged since: the file rebuilds it */
			} else if (!prev) {
				memset(dst, 0, ps); /* never touched, or all zero at the last mark */
			} else {
				if (!old_ready) {
					if (decode(env, prev, old, wlen, cand->data, (size_t)bound) != 0) {
						err = -EIO;
						jr_hold_end(env, sl, w0, wlen, 0);
						goto out;
					}
					old_ready = 1;
				}
				memcpy(dst, old + p * ps, ps); /* purged since: its bytes are the old snapshot's */
			}
		}
		if (!src)
			src = buf;
		struct chunk *next = NULL;
		int why = 0, both = 0;
		if (keep_both && nverified && !all_zero(buf, wlen)) {
			/* The file's pages in the snapshot too, so a page whose file changes still comes back. */
			next = keepable(env, buf, wlen, &cand, bound, chunk_cost(prev), &why, &err);
			both = next != NULL;
			why = 0;
			if (err) {
				jr_hold_end(env, sl, w0, wlen, 0);
				goto out;
			}
		}
		if (!both && nverified)
			for (uint64_t p = 0; p < np; p++)
				if (verified[p])
					memset(buf + p * ps, 0, ps); /* the file alone rebuilds them */
		if (!both && !all_zero(src, wlen)) {
			next = keepable(env, src, wlen, &cand, bound, chunk_cost(prev), &why, &err);
			if (err) {
				jr_hold_end(env, sl, w0, wlen, 0);
				goto out;
			}
			if (why)
				jr_add(&env->c[why], 1);
		}
		if (!next && why && fallback == JR_FALLBACK_KEEP) {
			/* Ordinary memory: every page present and dirty, never MADV_FREE'd. Until the touch
			 * below has made each page non-lazyfree, a page dropped meanwhile still holds the old
			 * snapshot's bytes, so the old snapshot stays in place until then. */
			if (prev && buf) /* in place: no page was missing */
				install_missing(env, sl, w0, np, vec, buf);
			jr_hold_end(env, sl, w0, wlen, 0);
			touch_unlost(sl, s, w0, np, ps);
			jr_slot_lock(sl);
			s->chunks[ci] = NULL;
			if (keep_both)
				memset(s->vsnap + page0, 0, np);
			jr_slot_unlock(sl);
			jr_window_quiesce(sl); /* a restore that took prev before the swap may still decode it */
			__atomic_sub_fetch(held(env), chunk_cost(prev), __ATOMIC_RELAXED);
			chunk_free(env, prev);
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
		if (keep_both) /* with the chunk that holds them, or not */
			for (uint64_t p = 0; p < np; p++)
				s->vsnap[page0 + p] = (uint8_t)(both && verified[p]);
		jr_slot_unlock(sl);
		jr_k_madvise(w0, wlen, MADV_FREE);
		jr_hold_end(env, sl, w0, wlen, 1);
		jr_window_quiesce(sl); /* a restore that took the replaced chunk before the swap may still decode it */
		__atomic_sub_fetch(held(env), chunk_cost(replaced), __ATOMIC_RELAXED);
		chunk_free(env, replaced);
	}
	__atomic_store_n(&sl->st[JR_RS_SNAPSHOT_BYTES], total, __ATOMIC_RELAXED);
	__atomic_store_n(&sl->st[JR_RS_KEPT_PAGES], kept_pages, __ATOMIC_RELAXED);
out:
	free(filebuf);
	free(buf);
	free(old);
	free(cand);
	return err;
}

/* A page of the chunk to read from its file, as the last mark verified it. */
struct verified {
	uint64_t off;
	uint32_t page;  /* in the chunk, | V_IN_SNAPSHOT when the snapshot holds its bytes too (vsnap), | V_LOST */
	int32_t file;   /* with a reference of the worker's own; -1 for a lost page */
};
#define V_IN_SNAPSHOT (1u << 31)
#define V_LOST (1u << 30)
#define V_PAGE (V_LOST - 1)
_Static_assert(sizeof(struct verified) == 16, "a worker's work area holds JR_MAX_CHUNK_PAGES of them (source.h)");

/* Without the slot lock, holding the window lock shared (source.h): what the marker changes (the chunk's
 * block, the verdicts, vsnap, the hashes, lost pages) is read under the slot lock, the decoding and the file
 * reads are done outside it, so restores of different chunks of the range run in parallel. The block stays
 * valid meanwhile (the marker frees a block it swapped out only after jr_window_quiesce), each verified page's
 * file by the reference taken here, and the hashes and vsnap because only a mark (window lock exclusive)
 * writes them. work: the verified pages (16 bytes each), then one page to read a file into (source.h). */
static int snapshot_produce(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen,
			    unsigned char *dst, void *work)
{
	struct snapshot *s = sl->src;
	uint64_t ps = env->page_size, page0 = (w0 - sl->base) / ps;
	uint32_t ci = (uint32_t)((w0 - sl->base) / env->chunk_bytes);
	struct verified *v = work;
	unsigned char *tmp = (unsigned char *)work + (uint64_t)JR_MAX_CHUNK_PAGES * sizeof(struct verified);
	uint64_t nv = 0;
	jr_slot_lock(sl);
	const struct chunk *c = ci < s->nchunks ? s->chunks[ci] : NULL;
	int fallback = s->fallback;
	int check_hash = s->hash && (s->file_policy & JR_FILE_HASH);
	/* throw: lost while volatile or being locked (lock and detach populate through the kernel, which a lost page
	 * fails without a signal), but not inside a marker's hold window, where the marker may copy the page from C (a
	 * poisoned page would raise SIGBUS there): zeros there (docs/fault-path.md). */
	int may_lose = s->lost && (s->file_policy & JR_FILE_THROW) &&
		       (sl->state == JR_STATE_VOLATILE || sl->state == JR_STATE_LOCKING);
	for (uint64_t p = 0; p < wlen / ps; p++) {
		if (s->lost && s->lost[page0 + p] == LOST) {
			v[nv++] = (struct verified){0, (uint32_t)p | V_LOST, -1};
			continue;
		}
		if (!s->prov || s->prov[page0 + p].vfile < 0)
			continue;
		const struct prov *pv = &s->prov[page0 + p];
		jr_files_ref(env->files, pv->vfile);
		uint32_t in_snapshot = s->vsnap && s->vsnap[page0 + p] ? V_IN_SNAPSHOT : 0;
		v[nv++] = (struct verified){pv->voff, (uint32_t)p | in_snapshot, pv->vfile};
	}
	jr_slot_unlock(sl);
	int err = 0, snapshot_failed = 0;
	if (!c)
		memset(dst, 0, wlen);
	else if ((err = decode(env, c, dst, wlen, v + nv, (JR_MAX_CHUNK_PAGES - nv) * sizeof(*v))) != 0 && !c->spilled)
		err = -EIO;
	else if (err) {
		/* The spill file failed (EIO, a short read): the rule's next entry, never wrong bytes. zero: zeros;
		 * throw: the pages no file rebuilds are lost (give_up poisons the missing ones); else the service
		 * poisons the faulting page (err). */
		if (fallback == JR_FALLBACK_ZERO || may_lose) {
			memset(dst, 0, wlen);
			snapshot_failed = 1;
			err = 0;
		}
		if (may_lose) {
			jr_slot_lock(sl);
			for (uint64_t p = 0; p < wlen / ps; p++)
				if (s->lost[page0 + p] == LOST_NO && (!s->prov || s->prov[page0 + p].vfile < 0))
					s->lost[page0 + p] = LOST_PENDING;
			jr_slot_unlock(sl);
		}
	}
	/* Verified pages from their file, after the identity check (and, with JR_FILE_HASH, the hash of the
	 * bytes read against the page's at mark). A page whose file failed falls to the next entry of its
	 * rule's on-purge, page by page: its snapshot bytes where rebuild:snapshot follows and the mark kept
	 * them (vsnap), else zeros (the fallback rebuild:file requires). Counted by reason: never stale bytes. */
	uint64_t failed = 0; /* the pages to lose come first in v, once read */
	for (uint64_t i = 0; i < nv; i++) {
		uint64_t p = v[i].page & V_PAGE;
		unsigned char *d = dst + p * ps;
		if (v[i].page & V_LOST) {
			memset(d, 0, ps); /* never installed: give_up keeps it out */
			continue;
		}
		int in_snapshot = (v[i].page & V_IN_SNAPSHOT) && !snapshot_failed;
		int why = err ? JR_C_FILE_IO_ERRORS : file_page(env, v[i].file, v[i].off, in_snapshot ? tmp : d);
		if (!err) {
			if (!why && check_hash && jr_xxh64(in_snapshot ? tmp : d, ps, 0) != s->hash[page0 + p]) {
				why = JR_C_FILE_STALE; /* same size and timestamps, other bytes: a change the identity missed */
				jr_add(&env->c[JR_C_FILE_HASH_MISMATCH], 1);
			}
			jr_add(&env->c[why ? why : JR_C_FILE_PAGES], 1);
			if (!why && in_snapshot)
				memcpy(d, tmp, ps);
			if (why && in_snapshot) {
				jr_add(&env->c[JR_C_FILE_FELL_TO_SNAPSHOT], 1); /* d holds the page's bytes at mark */
			} else if (why) {
				memset(d, 0, ps);
				jr_add(&sl->st[JR_RS_REBUILD_FAILURES], 1);
				if (may_lose)
					v[failed++].page = (uint32_t)p; /* i >= failed: an entry already read */
			}
		}
		jr_files_unref(env->files, v[i].file, 1);
	}
	if (failed) {
		jr_slot_lock(sl);
		for (uint64_t i = 0; i < failed; i++)
			s->lost[page0 + v[i].page] = LOST_PENDING;
		jr_slot_unlock(sl);
	}
	return err;
}

/* JR_FILE_THROW: the missing pages produce gave up are poisoned (the toucher gets SIGBUS, a guarded JDK call the
 * PurgedBufferException of a POISON range), present ones keep their bytes; lost pages are never installed. */
static void snapshot_give_up(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t npages,
			     unsigned char *vec)
{
	jr_slot_assert_locked(sl);
	struct snapshot *s = sl->src;
	if (!s->lost)
		return;
	uint64_t ps = env->page_size, page0 = (w0 - sl->base) / ps;
	for (uint64_t p = 0; p < npages; p++) {
		uint8_t *l = &s->lost[page0 + p];
		if (*l == LOST_PENDING && (vec[p] & 1))
			*l = LOST_NO; /* present: its bytes are its own */
		if (*l == LOST_PENDING && (w0 + p * ps < sl->hold_start || w0 + p * ps >= sl->hold_end)) {
			jr_k_poison(env->uffd, w0 + p * ps, ps); /* EEXIST: present after all; then it keeps its bytes */
			*l = LOST;
			jr_add(&sl->st[JR_RS_PAGES_POISONED], 1);
			jr_add(&sl->st[JR_RS_PURGED_SINCE_MARK], 1);
		} else if (*l == LOST_PENDING) {
			*l = LOST_NO; /* inside a marker's hold window: zeros, as with zero after it */
		}
		if (*l == LOST)
			vec[p] |= 1; /* mincore shows a poison marker as absent: never copy over it */
	}
}

static int snapshot_loses_pages(const struct jr_slot *sl)
{
	const struct snapshot *s = sl->src;
	return s && (s->file_policy & JR_FILE_THROW) != 0;
}

/* After lock or detach dropped the range's pages (MADV_DONTNEED removes the poison markers): nothing is lost now;
 * for_good (detach): nothing is lost from now on either, so the pages may be touched from C. */
static void snapshot_forget_lost(struct jr_slot *sl, int for_good)
{
	jr_slot_assert_locked(sl);
	struct snapshot *s = sl->src;
	if (s && s->lost)
		memset(s->lost, 0, s->npages);
	if (s && for_good)
		s->file_policy &= ~JR_FILE_THROW;
}

const struct jr_source_ops jr_source_snapshot_ops = {
	.name = "SNAPSHOT",
	.rebuilds = 1,
	.needs_wp = 1,
	.init = snapshot_init,
	.release = snapshot_release,
	.set_fallback = snapshot_set_fallback,
	.set_file_policy = snapshot_set_file_policy,
	.give_up = snapshot_give_up,
	.loses_pages = snapshot_loses_pages,
	.forget_lost = snapshot_forget_lost,
	.provenance = snapshot_provenance,
	.mark = snapshot_mark,
	.produce = snapshot_produce,
};
