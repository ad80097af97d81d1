/*
 * The file table (files.c) on its own: the LRU of descriptors (more files than max-open, eviction, reopen
 * by path with the identity checked, a file replaced or deleted while evicted), references (the last one
 * frees the entry and closes its descriptor), and the XXH64 of the content check (hash.c), with the costs
 * printed as "# " lines (ns per page, on the page cache).
 */
#define _GNU_SOURCE
#include "../../../main/c/files.h"
#include "../../../main/c/hash.h"
#include "../../../main/c/jreclaim.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define PAGE 4096
#define NFILES 10

static uint64_t c[JR_C_COUNT];

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void fill(uint8_t *p, uint64_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

/* A file of two random pages at path; returns an open descriptor (the "application's"). */
static int make_file(const char *path, uint64_t seed, uint8_t *content)
{
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	fill(content, 2 * PAGE, seed);
	if (pwrite(fd, content, 2 * PAGE, 0) != 2 * PAGE) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_fds(void)
{
	int n = 0;
	for (int fd = 0; fd < 4096; fd++)
		n += fcntl(fd, F_GETFD) >= 0;
	return n;
}

static void xxh64_vectors(void)
{
	/* The reference implementation's values (xxhsum -H1, python-xxhash's README). */
	EXPECT(jr_xxh64("", 0, 0) == 0xEF46DB3751D8E999ull);
	EXPECT(jr_xxh64("a", 1, 0) == 0xD24EC4F1A98C6E5Bull);
	EXPECT(jr_xxh64("abc", 3, 0) == 0x44BC2CF5AD770999ull);
	const char *s = "Nobody inspects the spammish repetition";
	EXPECT(jr_xxh64(s, strlen(s), 0) == 0xFBCEA83C8A378BF1ull);
	uint8_t page[PAGE];
	fill(page, PAGE, 3);
	uint64_t h = jr_xxh64(page, PAGE, 0);
	page[PAGE - 1] ^= 1;
	EXPECT(jr_xxh64(page, PAGE, 0) != h);
}

/* More files than max-open: never more descriptors than that (none in use meanwhile), each file read
 * back right, the evicted ones reopened by path. */
static void lru_bounds_descriptors(void)
{
	memset(c, 0, sizeof(c));
	struct jr_files *t = jr_files_new(c);
	REQUIRE(t);
	EXPECT_EQ(jr_files_set_max_open(t, 0), -EINVAL);
	EXPECT_EQ(jr_files_set_max_open(t, JR_MAX_OPEN_FILES + 1), -EINVAL);
	EXPECT_EQ(jr_files_set_max_open(t, 4), 0);
	char path[NFILES][64];
	static uint8_t content[NFILES][2 * PAGE];
	int ids[NFILES], before = open_fds();
	for (int i = 0; i < NFILES; i++) {
		snprintf(path[i], sizeof(path[i]), "/tmp/jreclaim-lru-%d-%d", (int)getpid(), i);
		int fd = make_file(path[i], (uint64_t)i + 1, content[i]);
		REQUIRE(fd >= 0);
		ids[i] = jr_files_intern(t, fd, 2);
		EXPECT(ids[i] >= 0);
		EXPECT_EQ(jr_files_intern(t, fd, 1), ids[i]); /* the same file, the same entry */
		jr_files_unref(t, ids[i], 1);
		close(fd);
		EXPECT(jr_files_open_count(t) <= 4);
	}
	EXPECT_EQ(jr_files_live_count(t), NFILES);
	EXPECT_EQ(c[JR_C_FILES_TRACKED], NFILES);
	EXPECT_EQ(c[JR_C_FILE_EVICTIONS], NFILES - 4);
	EXPECT_EQ(open_fds() - before, 4);
	uint8_t got[PAGE];
	for (int round = 0; round < 2; round++)
		for (int i = 0; i < NFILES; i++) {
			memset(got, 0, sizeof(got));
			EXPECT_EQ(jr_files_read(t, ids[i], PAGE, got, PAGE), 0);
			EXPECT_EQ(memcmp(got, content[i] + PAGE, PAGE), 0);
			EXPECT(jr_files_open_count(t) <= 4);
		}
	EXPECT(c[JR_C_FILE_REOPENS] >= NFILES); /* round-robin over 10 files with 4 descriptors: each read reopens */
	EXPECT_EQ(c[JR_C_FILES_OPEN], jr_files_open_count(t));
	/* Raising the limit keeps what is open; lowering it closes the least recently used now. */
	EXPECT_EQ(jr_files_set_max_open(t, 1), 0);
	EXPECT_EQ(jr_files_open_count(t), 1);
	EXPECT_EQ(jr_files_fd_of(t, ids[NFILES - 1]) >= 0, 1);
	/* The last references free the entries and close what is open. */
	for (int i = 0; i < NFILES; i++) {
		jr_files_unref(t, ids[i], 2);
		unlink(path[i]);
	}
	EXPECT_EQ(jr_files_live_count(t), 0);
	EXPECT_EQ(jr_files_open_count(t), 0);
	EXPECT_EQ(c[JR_C_FILES_TRACKED], 0);
	EXPECT_EQ(open_fds(), before);
	uint64_t held = c[JR_C_RECORDS_HELD];
	jr_files_free(t);
	EXPECT(held > 0);
	EXPECT_EQ(c[JR_C_RECORDS_HELD], 0);
	EXPECT_EQ(c[JR_C_FILES_OPEN], 0);
}

/* What may happen to a file while its descriptor is evicted: it is reopened by path, and only the same
 * inode with the same identity gives bytes. */
static void reopen_checks_identity(void)
{
	memset(c, 0, sizeof(c));
	struct jr_files *t = jr_files_new(c);
	REQUIRE(t);
	EXPECT_EQ(jr_files_set_max_open(t, 1), 0);
	char a[64], b[64], other[64], moved[80];
	snprintf(a, sizeof(a), "/tmp/jreclaim-reopen-a-%d", (int)getpid());
	snprintf(b, sizeof(b), "/tmp/jreclaim-reopen-b-%d", (int)getpid());
	snprintf(other, sizeof(other), "/tmp/jreclaim-reopen-o-%d", (int)getpid());
	snprintf(moved, sizeof(moved), "%s.new", a);
	static uint8_t ca[2 * PAGE], cb[2 * PAGE], co[2 * PAGE];
	uint8_t got[PAGE];
	int fa = make_file(a, 11, ca), fb = make_file(b, 12, cb), fo = make_file(other, 13, co);
	REQUIRE(fa >= 0 && fb >= 0 && fo >= 0);
	int ia = jr_files_intern(t, fa, 1), ib = jr_files_intern(t, fb, 1), io = jr_files_intern(t, fo, 1);
	REQUIRE(ia >= 0 && ib >= 0 && io >= 0);
	EXPECT_EQ(jr_files_fd_of(t, ia), -1); /* evicted by b, then o */

	/* Unchanged: reopened, right bytes. */
	EXPECT_EQ(jr_files_read(t, ia, 0, got, PAGE), 0);
	EXPECT_EQ(memcmp(got, ca, PAGE), 0);
	EXPECT_EQ(c[JR_C_FILE_REOPENS], 1);

	/* b written in place while evicted (same inode, same size): stale, no bytes of it. */
	EXPECT_EQ(jr_files_read(t, io, 0, got, PAGE), 0); /* evicts a */
	uint8_t x[16];
	memset(x, 0x77, sizeof(x));
	REQUIRE(pwrite(fb, x, sizeof(x), 100) == (ssize_t)sizeof(x));
	memset(got, 0, sizeof(got));
	EXPECT_EQ(jr_files_read(t, ib, 0, got, PAGE), JR_C_FILE_STALE);

	/* a replaced by rename while evicted: the path names another inode, so it is missing, never read. */
	EXPECT_EQ(jr_files_read(t, io, 0, got, PAGE), 0);
	int fn = open(moved, O_CREAT | O_WRONLY | O_TRUNC, 0600);
	REQUIRE(fn >= 0 && pwrite(fn, ca, 2 * PAGE, 0) == 2 * PAGE); /* even the same bytes */
	close(fn);
	REQUIRE(rename(moved, a) == 0);
	uint64_t reopens = c[JR_C_FILE_REOPENS];
	EXPECT_EQ(jr_files_read(t, ia, 0, got, PAGE), JR_C_FILE_MISSING);
	EXPECT_EQ(c[JR_C_FILE_REOPENS], reopens);
	EXPECT_EQ(jr_files_fd_of(t, ia), -1);

	/* o deleted while open: missing, and its descriptor is closed at once (its space given back). */
	EXPECT_EQ(jr_files_read(t, io, 0, got, PAGE), 0);
	EXPECT(jr_files_fd_of(t, io) >= 0);
	REQUIRE(unlink(other) == 0);
	EXPECT_EQ(jr_files_read(t, io, 0, got, PAGE), JR_C_FILE_MISSING);
	EXPECT_EQ(jr_files_fd_of(t, io), -1);
	EXPECT_EQ(jr_files_read(t, io, 0, got, PAGE), JR_C_FILE_MISSING); /* never reopened */

	/* A deleted file's entry goes with its last reference; a new file may take the id. */
	jr_files_unref(t, io, 1);
	EXPECT_EQ(jr_files_live_count(t), 2);
	int fo2 = make_file(other, 14, co);
	REQUIRE(fo2 >= 0);
	int io2 = jr_files_intern(t, fo2, 1);
	EXPECT_EQ(io2, io);
	EXPECT_EQ(jr_files_read(t, io2, PAGE, got, PAGE), 0);
	EXPECT_EQ(memcmp(got, co + PAGE, PAGE), 0);
	jr_files_unref(t, io2, 1);
	jr_files_unref(t, ia, 1);
	jr_files_unref(t, ib, 1);
	EXPECT_EQ(jr_files_live_count(t), 0);
	close(fa), close(fb), close(fo), close(fo2);
	unlink(a), unlink(b), unlink(other);
	jr_files_free(t);
}

/* The costs the fault path pays per page, on the page cache: a read through a kept descriptor (fstat, stat,
 * pread, fstat), the same with a reopen by path each time (max-open 1, two files alternating), and XXH64. */
static void costs(void)
{
	memset(c, 0, sizeof(c));
	struct jr_files *t = jr_files_new(c);
	REQUIRE(t);
	char a[64], b[64];
	snprintf(a, sizeof(a), "/tmp/jreclaim-cost-a-%d", (int)getpid());
	snprintf(b, sizeof(b), "/tmp/jreclaim-cost-b-%d", (int)getpid());
	static uint8_t ca[2 * PAGE], cb[2 * PAGE];
	int fa = make_file(a, 21, ca), fb = make_file(b, 22, cb);
	REQUIRE(fa >= 0 && fb >= 0);
	int ia = jr_files_intern(t, fa, 1), ib = jr_files_intern(t, fb, 1);
	REQUIRE(ia >= 0 && ib >= 0);
	uint8_t got[PAGE];
	enum { N = 20000 };
	uint64_t t0 = now_ns();
	for (int i = 0; i < N; i++)
		EXPECT_EQ(jr_files_read(t, i & 1 ? ia : ib, 0, got, PAGE), 0);
	uint64_t kept = (now_ns() - t0) / N;
	EXPECT_EQ(jr_files_set_max_open(t, 1), 0);
	t0 = now_ns();
	for (int i = 0; i < N; i++)
		EXPECT_EQ(jr_files_read(t, i & 1 ? ia : ib, 0, got, PAGE), 0);
	uint64_t reopened = (now_ns() - t0) / N;
	EXPECT(c[JR_C_FILE_REOPENS] >= N - 1);
	uint64_t sink = 0;
	t0 = now_ns();
	for (int i = 0; i < N * 10; i++) {
		got[0] = (uint8_t)i;
		sink += jr_xxh64(got, PAGE, 0);
	}
	uint64_t hash = (now_ns() - t0) / (N * 10);
	memcpy(got, ca, PAGE);
	uint64_t s0 = now_ns();
	for (int i = 0; i < N * 10; i++) {
		got[PAGE - 1] = (uint8_t)i; /* equal up to the last byte: memcmp reads the whole page */
		sink += (uint64_t)memcmp(got, ca, PAGE);
	}
	uint64_t cmp = (now_ns() - s0) / (N * 10);
	printf("# per 4 KiB page: file read with its descriptor kept %" PRIu64 " ns, with a reopen by path %" PRIu64
	       " ns, XXH64 %" PRIu64 " ns, memcmp %" PRIu64 " ns (sink %" PRIu64 ")\n",
	       kept, reopened, hash, cmp, sink & 1);
	jr_files_unref(t, ia, 1);
	jr_files_unref(t, ib, 1);
	close(fa), close(fb);
	unlink(a), unlink(b);
	jr_files_free(t);
}

int main(void)
{
	RUN(xxh64_vectors);
	RUN(lru_bounds_descriptors);
	RUN(reopen_checks_identity);
	RUN(costs);
	TEST_EXIT();
}
