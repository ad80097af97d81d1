/* Writes since the mark, per chunk (written.h). */
#include "written.h"

#include "check.h"
#include "jreclaim.h"

#include <errno.h>
#include <stdlib.h>

static uint64_t nchunks(const struct jr_env *env, const struct jr_slot *sl)
{
	return (sl->len + env->chunk_bytes - 1) / env->chunk_bytes;
}

static uint64_t words(uint64_t n) { return (n + 63) / 64; }

int jr_written_init(const struct jr_env *env, struct jr_slot *sl)
{
	jr_slot_assert_locked(sl);
	if (sl->written)
		return 0;
	uint64_t n = nchunks(env, sl);
	sl->written_inline = 0;
	if (n <= 64) {
		sl->written = &sl->written_inline;
		return 0;
	}
	sl->written = calloc(words(n), sizeof(uint64_t));
	if (!sl->written)
		return -ENOMEM;
	jr_add(&env->c[JR_C_RECORDS_HELD], words(n) * sizeof(uint64_t));
	return 0;
}

void jr_written_free(const struct jr_env *env, struct jr_slot *sl)
{
	if (sl->written && sl->written != &sl->written_inline) {
		free(sl->written);
		__atomic_sub_fetch(&env->c[JR_C_RECORDS_HELD], words(nchunks(env, sl)) * sizeof(uint64_t), __ATOMIC_RELAXED);
	}
	sl->written = NULL;
	sl->written_inline = 0;
	__atomic_store_n(&sl->st[JR_RS_WRITTEN_PAGES], 0, __ATOMIC_RELAXED);
}

/* The pages of chunk ci (the last one may be short). */
static uint64_t chunk_pages(const struct jr_env *env, const struct jr_slot *sl, uint64_t ci)
{
	uint64_t start = ci * env->chunk_bytes, end = start + env->chunk_bytes;
	if (end > sl->len)
		end = sl->len;
	return (end - start) / env->page_size;
}

uint64_t jr_written_set(const struct jr_env *env, struct jr_slot *sl, uint64_t a, uint64_t b)
{
	jr_slot_assert_locked(sl);
	if (!sl->written || b <= a)
		return 0;
	uint64_t first = (a - sl->base) / env->chunk_bytes, last = (b - 1 - sl->base) / env->chunk_bytes, fresh = 0;
	for (uint64_t ci = first; ci <= last && ci < nchunks(env, sl); ci++) {
		uint64_t bit = 1ull << (ci % 64);
		if (sl->written[ci / 64] & bit)
			continue;
		sl->written[ci / 64] |= bit;
		jr_add(&sl->st[JR_RS_WRITTEN_PAGES], chunk_pages(env, sl, ci));
		fresh++;
	}
	if (fresh)
		jr_add(&env->c[JR_C_FIRST_WRITES], fresh);
	return fresh;
}

void jr_written_clear(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen)
{
	jr_slot_assert_locked(sl);
	if (!sl->written || wlen == 0)
		return;
	uint64_t first = (w0 - sl->base) / env->chunk_bytes, last = (w0 + wlen - 1 - sl->base) / env->chunk_bytes;
	for (uint64_t ci = first; ci <= last && ci < nchunks(env, sl); ci++) {
		uint64_t bit = 1ull << (ci % 64);
		if (!(sl->written[ci / 64] & bit))
			continue;
		sl->written[ci / 64] &= ~bit;
		__atomic_sub_fetch(&sl->st[JR_RS_WRITTEN_PAGES], chunk_pages(env, sl, ci), __ATOMIC_RELAXED);
	}
}

int jr_written_test(const struct jr_env *env, const struct jr_slot *sl, uint64_t addr)
{
	jr_slot_assert_locked(sl);
	if (!sl->written)
		return 0;
	uint64_t ci = (addr - sl->base) / env->chunk_bytes;
	return ci < nchunks(env, sl) && (sl->written[ci / 64] & (1ull << (ci % 64))) != 0;
}
