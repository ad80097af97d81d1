/*
 * The range table and the state machine on their own, without a userfaultfd: slots, handles, the
 * index (over memory slots of range_memory.c), a full table, slots committed as used; every allowed transition accepted, every forbidden one caught
 * by JR_CHECK (in a forked child, which must abort with the check's message). Built with -DJR_CHECKS.
 */
#define _GNU_SOURCE
#include "../../../main/c/range_state.h"
#include "../../../main/c/range_table.h"
#include "test.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef JR_CHECKS
#error "the table and state tests need a check build (-DJR_CHECKS)"
#endif

#define PAGE 4096u

/* What jr_range_add does with the table, on a base given (a memory slot, or not, to be refused). */
static int64_t add_at(struct jr_table *t, uint64_t base, uint64_t len, uint32_t *idx_out)
{
	uint32_t idx = jr_table_claim(t);
	if (idx == JR_NO_SLOT)
		return -ENOSPC;
	struct jr_slot *sl = &t->slots[idx];
	jr_slot_lock(sl);
	sl->base = base;
	sl->len = len;
	jr_state_move(sl, JR_STATE_FREE, JR_STATE_LOCKED);
	int64_t h = jr_table_new_handle(t, idx);
	jr_slot_unlock(sl);
	int err = jr_table_index_insert(t, idx);
	if (err) {
		jr_slot_lock(sl);
		jr_state_move(sl, JR_STATE_LOCKED, JR_STATE_DEAD);
		jr_state_move(sl, JR_STATE_DEAD, JR_STATE_FREE);
		jr_slot_unlock(sl);
		jr_table_release(t, idx);
		return err;
	}
	if (idx_out)
		*idx_out = idx;
	return h;
}

/* What jr_range_add does: memory, then the table. */
static int64_t add(struct jr_table *t, uint64_t len, uint32_t *idx_out)
{
	uint64_t base;
	int err = jr_mem_alloc(&t->mem, len, &base);
	if (err)
		return err;
	int64_t h = add_at(t, base, len, idx_out);
	if (h < 0)
		jr_mem_free(&t->mem, base);
	return h;
}

static uint64_t base_of(struct jr_table *t, int64_t h) { return t->slots[jr_handle_slot(h)].base; }

/* What jr_range_remove does with the table and the memory. */
static int del(struct jr_table *t, int64_t h)
{
	int err;
	struct jr_slot *sl = jr_table_slot_of(t, h, &err);
	if (!sl)
		return err;
	jr_slot_lock(sl);
	int st = sl->state;
	if (st == JR_STATE_FREE || st == JR_STATE_DEAD) {
		jr_slot_unlock(sl);
		return -EBADF;
	}
	jr_state_move(sl, st, JR_STATE_DEAD);
	jr_slot_unlock(sl);
	jr_table_index_remove(t, jr_handle_slot(h));
	jr_table_hazard_wait(t, jr_handle_slot(h));
	jr_mem_free(&t->mem, sl->base);
	jr_state_leave(sl, JR_STATE_DEAD, JR_STATE_FREE);
	jr_table_release(t, jr_handle_slot(h));
	return 0;
}

static void table_add_lookup_remove(void)
{
	struct jr_table t;
	REQUIRE(jr_table_init(&t, 4) == 0);
	uint32_t i1, i2;
	int64_t h1 = add(&t, 4 * PAGE, &i1);
	int64_t h2 = add(&t, PAGE, &i2);
	REQUIRE(h1 >= 0 && h2 >= 0);
	EXPECT(h1 != h2);
	uint64_t b1 = base_of(&t, h1), b2 = base_of(&t, h2);
	EXPECT_EQ(jr_table_live(&t), 2);
	EXPECT_EQ(jr_table_used(&t), 2);
	EXPECT_EQ(jr_table_lookup(&t, b1), i1);
	EXPECT_EQ(jr_table_lookup(&t, b1 + 4 * PAGE - 1), i1);
	EXPECT_EQ(jr_table_lookup(&t, b1 - 1), JR_NO_SLOT);
	EXPECT_EQ(jr_table_lookup(&t, 0x100000), JR_NO_SLOT);
	EXPECT_EQ(jr_table_lookup(&t, b2 + 17), i2);
	/* Another range on a slot taken, inside one, or off the memory: refused, the table as it was. */
	EXPECT_EQ(add_at(&t, b1, PAGE, NULL), -EEXIST);
	EXPECT_EQ(add_at(&t, b1 + PAGE, PAGE, NULL), -EEXIST);
	EXPECT_EQ(add_at(&t, 0x100000, PAGE, NULL), -EEXIST);
	EXPECT_EQ(jr_table_live(&t), 2);
	EXPECT_EQ(del(&t, h1), 0);
	EXPECT_EQ(jr_table_lookup(&t, b1), JR_NO_SLOT);
	EXPECT_EQ(jr_table_lookup(&t, b2), i2);
	EXPECT_EQ(jr_table_live(&t), 1);
	EXPECT_EQ(del(&t, h2), 0);
	EXPECT_EQ(jr_table_lookup(&t, b2), JR_NO_SLOT);
	jr_table_destroy(&t);
}

static void stale_and_bad_handles(void)
{
	struct jr_table t;
	REQUIRE(jr_table_init(&t, 1) == 0);
	int err = 0;
	int64_t h1 = add(&t, PAGE, NULL);
	REQUIRE(h1 >= 0);
	EXPECT(jr_table_slot_of(&t, h1, &err) != NULL);
	EXPECT_EQ(del(&t, h1), 0);
	/* Removed: the handle still names the slot (stats read FREE), but protocols refuse it. */
	struct jr_slot *sl = jr_table_slot_of(&t, h1, &err);
	EXPECT(sl && jr_state_get(sl) == JR_STATE_FREE);
	EXPECT_EQ(del(&t, h1), -EBADF);
	struct jr_slot *out;
	EXPECT_EQ(jr_state_enter(&t, h1, JR_STATE_MARKING, &out), -EBADF);
	/* Reused slot: the old handle is stale, refused outright. */
	int64_t h2 = add(&t, PAGE, NULL);
	REQUIRE(h2 >= 0);
	EXPECT_EQ(jr_handle_slot(h2), jr_handle_slot(h1));
	EXPECT(jr_table_slot_of(&t, h1, &err) == NULL && err == -EBADF);
	EXPECT_EQ(del(&t, h1), -EBADF);
	EXPECT_EQ(jr_state_enter(&t, h1, JR_STATE_MARKING, &out), -EBADF);
	EXPECT(jr_table_slot_of(&t, -1, &err) == NULL && err == -EBADF);
	EXPECT(jr_table_slot_of(&t, (int64_t)1 << 32 | 7, &err) == NULL); /* slot out of range */
	/* A range a protocol owns is busy for others. */
	EXPECT_EQ(jr_state_enter(&t, h2, JR_STATE_MARKING, &out), JR_STATE_LOCKED);
	EXPECT_EQ(jr_state_enter(&t, h2, JR_STATE_MARKING, &out), -EBUSY);
	jr_state_leave(out, JR_STATE_MARKING, JR_STATE_VOLATILE);
	EXPECT_EQ(del(&t, h2), 0);
	jr_table_destroy(&t);
}

static void full_table(void)
{
	struct jr_table t;
	REQUIRE(jr_table_init(&t, 3) == 0);
	int64_t h[3];
	for (int i = 0; i < 3; i++)
		h[i] = add(&t, PAGE, NULL);
	EXPECT(h[0] >= 0 && h[1] >= 0 && h[2] >= 0);
	EXPECT_EQ(add(&t, PAGE, NULL), -ENOSPC);
	EXPECT_EQ(jr_table_live(&t), 3);
	EXPECT_EQ(del(&t, h[1]), 0);
	int64_t again = add(&t, PAGE, NULL);
	EXPECT(again >= 0);
	EXPECT_EQ(jr_handle_slot(again), jr_handle_slot(h[1]));
	EXPECT_EQ(add(&t, PAGE, NULL), -ENOSPC);
	EXPECT_EQ(del(&t, h[0]), 0);
	EXPECT_EQ(del(&t, h[2]), 0);
	EXPECT_EQ(del(&t, again), 0);
	EXPECT_EQ(jr_table_live(&t), 0);
	jr_table_destroy(&t);
}

/* Resident pages of [p, p+len). */
static uint64_t resident(const void *p, uint64_t len)
{
	unsigned char vec[4096];
	uint64_t n = 0;
	for (uint64_t off = 0; off < len; off += sizeof(vec) * (uint64_t)PAGE) {
		uint64_t l = len - off < sizeof(vec) * (uint64_t)PAGE ? len - off : sizeof(vec) * (uint64_t)PAGE;
		if (mincore((char *)p + off, l, vec) != 0)
			return UINT64_MAX;
		for (uint64_t i = 0; i < l / PAGE; i++)
			n += vec[i] & 1;
	}
	return n;
}

/* An idle table commits nothing of its capacity: slots are touched as used, at a high-water mark. */
static void slots_committed_as_used(void)
{
	enum { CAP = 1 << 18 };
	struct jr_table t;
	REQUIRE(jr_table_init(&t, CAP) == 0);
	uint64_t bytes = sizeof(struct jr_slot) * (uint64_t)CAP;
	EXPECT_EQ(resident(t.slots, bytes), 0);
	int64_t h[100];
	for (int i = 0; i < 100; i++)
		h[i] = add(&t, PAGE, NULL);
	EXPECT_EQ(jr_table_used(&t), 100);
	uint64_t touched = resident(t.slots, bytes);
	EXPECT(touched <= (100 * sizeof(struct jr_slot)) / PAGE + 2);
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(del(&t, h[i]), 0);
	for (int i = 0; i < 100; i++) /* the free list first: the mark stays */
		h[i] = add(&t, PAGE, NULL);
	EXPECT_EQ(jr_table_used(&t), 100);
	for (int i = 0; i < 100; i++)
		EXPECT_EQ(del(&t, h[i]), 0);
	jr_table_destroy(&t);
}

static uint64_t rnd_state = 88172645463325252ull;
static uint64_t rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/* Many ranges of many sizes added and removed in random order: every lookup finds exactly the live
 * range holding the address (checked at every edit by the seqlock's JR_CHECKs in this build). */
static void many_ranges_index(void)
{
	enum { N = 512, ROUNDS = 4000 };
	struct jr_table t;
	REQUIRE(jr_table_init(&t, N) == 0);
	int64_t h[N];
	uint32_t idx[N];
	uint64_t base[N], len[N];
	for (int i = 0; i < N; i++)
		h[i] = -1;
	int live = 0;
	for (int r = 0; r < ROUNDS; r++) {
		int i = (int)(rnd() % N);
		if (h[i] < 0) {
			len[i] = (1 + rnd() % 700) * PAGE; /* slots of every class, and own mappings */
			h[i] = add(&t, len[i], &idx[i]);
			EXPECT(h[i] >= 0);
			base[i] = h[i] >= 0 ? base_of(&t, h[i]) : 0;
			live += h[i] >= 0;
		} else {
			EXPECT_EQ(del(&t, h[i]), 0);
			h[i] = -1;
			live--;
		}
	}
	EXPECT_EQ(jr_table_live(&t), live);
	uint64_t wrong = 0;
	for (int i = 0; i < N; i++) {
		if (h[i] < 0)
			continue;
		wrong += jr_table_lookup(&t, base[i]) != idx[i];
		wrong += jr_table_lookup(&t, base[i] + len[i] - 1) != idx[i];
		for (int j = 0; j < N; j++) /* disjoint */
			wrong += j != i && h[j] >= 0 && base[j] < base[i] + len[i] && base[i] < base[j] + len[j];
	}
	EXPECT_EQ(wrong, 0);
	for (int i = 0; i < N; i++)
		if (h[i] >= 0)
			EXPECT_EQ(del(&t, h[i]), 0);
	EXPECT_EQ(jr_table_live(&t), 0);
	jr_table_destroy(&t);
}

static void every_allowed_transition_accepted(void)
{
	struct jr_table t;
	REQUIRE(jr_table_init(&t, 1) == 0);
	struct jr_slot *sl = &t.slots[0];
	int allowed = 0;
	for (int from = 0; from < JR_STATE_COUNT; from++)
		for (int to = 0; to < JR_STATE_COUNT; to++) {
			if (!jr_state_allowed(from, to))
				continue;
			allowed++;
			sl->state = from; /* set up the precondition directly: this is the unit under test */
			jr_slot_lock(sl);
			jr_state_move(sl, from, to);
			jr_slot_unlock(sl);
			EXPECT_EQ(jr_state_get(sl), to);
		}
	EXPECT_EQ(allowed, 12);
	/* The lifecycle the protocols walk, in order. */
	static const int walk[] = {JR_STATE_FREE,    JR_STATE_LOCKED,   JR_STATE_MARKING, JR_STATE_VOLATILE,
				   JR_STATE_LOCKING, JR_STATE_LOCKED,   JR_STATE_MARKING, JR_STATE_LOCKED,
				   JR_STATE_MARKING, JR_STATE_VOLATILE, JR_STATE_MARKING, JR_STATE_VOLATILE,
				   JR_STATE_LOCKED,  JR_STATE_DEAD,     JR_STATE_FREE};
	sl->state = JR_STATE_FREE;
	for (size_t i = 1; i < sizeof(walk) / sizeof(walk[0]); i++)
		jr_state_leave(sl, walk[i - 1], walk[i]);
	EXPECT_EQ(jr_state_get(sl), JR_STATE_FREE);
	jr_table_destroy(&t);
}

/* Runs fn(arg) in a child; returns 1 when the child aborted and its stderr holds `expect`. */
static int caught(void (*fn)(int, int), int a, int b, const char *expect)
{
	int pipefd[2];
	if (pipe(pipefd) != 0)
		return 0;
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		dup2(pipefd[1], STDERR_FILENO);
		fn(a, b);
		_exit(0); /* not caught */
	}
	close(pipefd[1]);
	char buf[4096];
	size_t got = 0;
	ssize_t n;
	while (got < sizeof(buf) - 1 && (n = read(pipefd[0], buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = 0;
	close(pipefd[0]);
	int status = 0;
	waitpid(pid, &status, 0);
	int ok = WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT && strstr(buf, "JR_CHECK failed") &&
		 strstr(buf, expect);
	if (!ok)
		fprintf(stderr, "child status 0x%x, stderr: %s\n", status, buf);
	return ok;
}

static void move_once(int from, int to)
{
	struct jr_table t;
	if (jr_table_init(&t, 1) != 0)
		_exit(3);
	t.slots[0].state = from;
	jr_slot_lock(&t.slots[0]);
	jr_state_move(&t.slots[0], from, to);
}

static void forbidden_transitions_caught(void)
{
	char expect[128];
	int forbidden = 0;
	for (int from = 0; from < JR_STATE_COUNT; from++)
		for (int to = 0; to < JR_STATE_COUNT; to++) {
			if (jr_state_allowed(from, to))
				continue;
			forbidden++;
			snprintf(expect, sizeof(expect), "forbidden state transition %s -> %s", jr_state_name(from),
				 jr_state_name(to));
			int ok = caught(move_once, from, to, expect);
			if (!ok)
				fprintf(stderr, "not caught: %s\n", expect);
			EXPECT(ok);
		}
	EXPECT_EQ(forbidden, JR_STATE_COUNT * JR_STATE_COUNT - 12);
}

static void move_from_wrong_state(int from, int to)
{
	struct jr_table t;
	if (jr_table_init(&t, 1) != 0)
		_exit(3);
	t.slots[0].state = JR_STATE_DEAD;
	jr_slot_lock(&t.slots[0]);
	jr_state_move(&t.slots[0], from, to); /* allowed, but the slot is not in `from` */
}

static void move_without_lock(int from, int to)
{
	struct jr_table t;
	if (jr_table_init(&t, 1) != 0)
		_exit(3);
	t.slots[0].state = from;
	jr_state_move(&t.slots[0], from, to);
}

static void hazard_wait_on_live_slot(int a, int b)
{
	(void)a, (void)b;
	struct jr_table t;
	if (jr_table_init(&t, 1) != 0 || add(&t, PAGE, NULL) < 0)
		_exit(3);
	jr_table_hazard_wait(&t, 0); /* the remover must set DEAD and unindex first */
}

static void hazard_set_twice(int a, int b)
{
	(void)a, (void)b;
	struct jr_table t;
	if (jr_table_init(&t, 2) != 0 || add(&t, PAGE, NULL) < 0 || add(&t, PAGE, NULL) < 0)
		_exit(3);
	jr_table_hazard_set(&t, 0, 0);
	jr_table_hazard_set(&t, 0, 1);
}

static void release_live_slot(int a, int b)
{
	(void)a, (void)b;
	struct jr_table t;
	if (jr_table_init(&t, 1) != 0 || add(&t, PAGE, NULL) < 0)
		_exit(3);
	jr_table_release(&t, 0);
}

static void other_rules_caught(void)
{
	EXPECT(caught(move_from_wrong_state, JR_STATE_LOCKED, JR_STATE_MARKING,
		      "state transition LOCKED -> MARKING from state DEAD"));
	EXPECT(caught(move_without_lock, JR_STATE_LOCKED, JR_STATE_MARKING, "slot lock not held"));
	EXPECT(caught(hazard_wait_on_live_slot, 0, 0, "hazard wait on slot 0 that is not DEAD"));
	EXPECT(caught(hazard_set_twice, 0, 0, "hazard set while already set"));
	EXPECT(caught(release_live_slot, 0, 0, "released slot 0 is not FREE"));
}

int main(void)
{
	RUN(table_add_lookup_remove);
	RUN(stale_and_bad_handles);
	RUN(full_table);
	RUN(slots_committed_as_used);
	RUN(many_ranges_index);
	RUN(every_allowed_transition_accepted);
	RUN(forbidden_transitions_caught);
	RUN(other_rules_caught);
	TEST_EXIT();
}
