/*
 * The snapshot spill file (spill.c) end to end through the public API on a real userfaultfd: chunks spilled
 * and read back byte for byte, nothing left in the directory, freed extents punched out and reused, a write
 * the file refuses (RLIMIT_FSIZE: EFBIG, as ENOSPC would) keeping the snapshot in memory or the chunk plain,
 * and a read that fails taking the range's fallback, never wrong bytes. Runs as root (docs/fault-path.md).
 */
#define _GNU_SOURCE
#include "../../../main/c/jreclaim.h"
#include "../../../main/c/uffd_abi.h"
#include "test.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK_PAGES 16
#define TMPFS_MAGIC 0x01021994

static uint64_t ps;
static char dir[256];

struct env {
	int uffd;
	struct jr_service *svc;
};

static int env_start(struct env *e)
{
	e->uffd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (e->uffd < 0) {
		fprintf(stderr, "userfaultfd: %s\n", strerror(errno));
		return -1;
	}
	struct uffdio_api api = {.api = UFFD_API,
				 .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_POISON};
	if (ioctl(e->uffd, UFFDIO_API, &api) != 0 || jr_service_start(e->uffd, JR_SVC_WP, 8, CHUNK_PAGES, &e->svc) != 0) {
		fprintf(stderr, "start: %s\n", strerror(errno));
		close(e->uffd);
		return -1;
	}
	return 0;
}

static void env_stop(struct env *e)
{
	EXPECT_EQ(jr_service_live_ranges(e->svc), 0);
	EXPECT_EQ(jr_service_stop(e->svc), 0);
	close(e->uffd);
}

static uint64_t counter(struct env *e, int c)
{
	uint64_t v[JR_C_COUNT];
	EXPECT_EQ(jr_service_counters(e->svc, v, JR_C_COUNT), JR_C_COUNT);
	return v[c];
}

static uint64_t stat_of(struct env *e, int64_t h, int which)
{
	uint64_t s[JR_RS_COUNT];
	EXPECT_EQ(jr_range_stats(e->svc, h, s, JR_RS_COUNT), JR_RS_COUNT);
	return s[which];
}

/* Compressible, and different for every seed. */
static uint8_t pattern(uint64_t i, uint64_t seed) { return (uint8_t)((i / 64) * 131 + seed * 7 + (i % 3)); }

static int64_t filled(struct env *e, uint64_t len, uint64_t seed, uint8_t **p)
{
	uint64_t base = 0;
	int64_t h = jr_range_add(e->svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	if (h < 0)
		return h;
	*p = (uint8_t *)(uintptr_t)base;
	for (uint64_t i = 0; i < len; i++)
		(*p)[i] = pattern(i, seed);
	return h;
}

static uint64_t wrong_bytes(const uint8_t *p, uint64_t len, uint64_t seed)
{
	uint64_t bad = 0;
	for (uint64_t i = 0; i < len; i++)
		bad += p[i] != pattern(i, seed);
	return bad;
}

/* The spill file's descriptor: a link to dir/<name> (deleted). */
static int spill_fd(void)
{
	DIR *d = opendir("/proc/self/fd");
	int found = -1;
	for (struct dirent *de; d && (de = readdir(d));) {
		char link[512], target[512];
		snprintf(link, sizeof(link), "/proc/self/fd/%s", de->d_name);
		ssize_t n = readlink(link, target, sizeof(target) - 1);
		if (n <= 0)
			continue;
		target[n] = 0;
		if (strncmp(target, dir, strlen(dir)) == 0 && target[strlen(dir)] == '/' && strstr(target, "(deleted)"))
			found = atoi(de->d_name);
	}
	if (d)
		closedir(d);
	return found;
}

static int entries(const char *path)
{
	DIR *d = opendir(path);
	int n = 0;
	for (struct dirent *de; d && (de = readdir(d));)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	if (d)
		closedir(d);
	return n;
}

static void spill_refuses_memory_and_bad_modes(void)
{
	struct env e;
	REQUIRE(env_start(&e) == 0);
	struct statfs f;
	if (statfs("/dev/shm", &f) == 0 && f.f_type == TMPFS_MAGIC)
		EXPECT_EQ(jr_service_set_spill(e.svc, "/dev/shm", JR_SPILL_ALWAYS), -EXDEV);
	else
		fprintf(stderr, "note: /dev/shm is no tmpfs here: the tmpfs refusal is not checked\n");
	EXPECT_EQ(jr_service_set_spill(e.svc, dir, 7), -EINVAL);
	EXPECT_EQ(jr_service_set_spill(e.svc, "/nonexistent/jr-spill", JR_SPILL_ALWAYS), -ENOENT);
	EXPECT_EQ(jr_service_set_spill(e.svc, dir, JR_SPILL_OFF), 0);
	EXPECT_EQ(spill_fd(), -1);
	EXPECT_EQ(jr_service_set_spill(e.svc, dir, JR_SPILL_ALWAYS), 0);
	EXPECT_EQ(jr_service_set_spill(e.svc, dir, JR_SPILL_ALWAYS), -EBUSY);
	EXPECT(spill_fd() >= 0);
	EXPECT_EQ(entries(dir), 0); /* no name: nothing left behind */
	env_stop(&e);
	EXPECT_EQ(spill_fd(), -1);
}

/* JR_SPILL_ALWAYS: every chunk's block in the file, memory holds headers; restored byte for byte; a removed
 * range's extents are a hole punched out of the file, and the next range fills it (the file does not grow). */
static void spill_round_trip_and_reuse(void)
{
	struct env e;
	REQUIRE(env_start(&e) == 0);
	REQUIRE(jr_service_set_spill(e.svc, dir, JR_SPILL_ALWAYS) == 0);
	int fd = spill_fd();
	REQUIRE(fd >= 0);
	uint64_t cb = CHUNK_PAGES * ps, len = 8 * cb;
	uint8_t *p;
	int64_t h = filled(&e, len, 1, &p);
	REQUIRE(h >= 0);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(counter(&e, JR_C_CHUNKS_SPILLED), 8);
	uint64_t held = counter(&e, JR_C_SPILL_HELD);
	EXPECT(held >= 8 * 512 && held < len);
	EXPECT(counter(&e, JR_C_SNAPSHOT_HELD) <= 8 * 16); /* the headers */
	EXPECT(stat_of(&e, h, JR_RS_SNAPSHOT_BYTES) <= 8 * 16);
	EXPECT_EQ(counter(&e, JR_C_SPILL_WRITE_BYTES) > 0, 1);
	struct stat st;
	REQUIRE(fstat(fd, &st) == 0);
	uint64_t size1 = (uint64_t)st.st_size;
	EXPECT(size1 <= held && size1 > held - 512); /* the last extent written up to its chunk's end */
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	EXPECT(stat_of(&e, h, JR_RS_RESIDENT_PAGES) < len / ps / 2);
	EXPECT_EQ(wrong_bytes(p, len, 1), 0);
	EXPECT(counter(&e, JR_C_SPILL_READ_BYTES) > 0);
	EXPECT_EQ(counter(&e, JR_C_REBUILD_FAILURES), 0);

	/* A re-mark after writes: the new blocks are written, the old ones freed. */
	for (uint64_t i = 0; i < len; i++)
		p[i] = pattern(i, 2);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	EXPECT_EQ(wrong_bytes(p, len, 2), 0);
	EXPECT_EQ(counter(&e, JR_C_SPILL_HELD), held);

	/* A second range after it in the file; then the first goes: its extents are a hole in the middle, punched out. */
	uint8_t *q;
	int64_t h2 = filled(&e, len, 4, &q);
	REQUIRE(h2 >= 0);
	EXPECT_EQ(jr_range_mark(e.svc, h2), 0);
	uint64_t both = counter(&e, JR_C_SPILL_HELD);
	REQUIRE(fstat(fd, &st) == 0);
	uint64_t size2 = (uint64_t)st.st_size, blocks2 = (uint64_t)st.st_blocks;
	EXPECT(size2 > size1);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	EXPECT_EQ(counter(&e, JR_C_SPILL_HELD), both - held);
	REQUIRE(fstat(fd, &st) == 0);
	EXPECT((uint64_t)st.st_blocks * 512 <= blocks2 * 512 - (held - 2 * 4096)); /* the hole's whole blocks */

	/* The next range's blocks go into the hole: the file does not grow. */
	h = filled(&e, len, 3, &p);
	REQUIRE(h >= 0);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	REQUIRE(fstat(fd, &st) == 0);
	EXPECT_EQ((uint64_t)st.st_size, size2);
	EXPECT(counter(&e, JR_C_SPILL_HELD) <= both);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h2), 0);
	EXPECT_EQ(wrong_bytes(p, len, 3), 0);
	EXPECT_EQ(wrong_bytes(q, len, 4), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h2), 0);
	EXPECT_EQ(counter(&e, JR_C_SPILL_HELD), 0);
	REQUIRE(fstat(fd, &st) == 0);
	EXPECT_EQ(st.st_blocks, 0); /* all punched out */
	EXPECT_EQ(counter(&e, JR_C_SPILL_ERRORS), 0);
	EXPECT_EQ(counter(&e, JR_C_INSTALL_ERRORS), 0);
	env_stop(&e);
}

/* JR_SPILL_OVER_BUDGET: memory up to the limit, the file past it. */
static void spill_over_budget(void)
{
	struct env e;
	REQUIRE(env_start(&e) == 0);
	REQUIRE(jr_service_set_spill(e.svc, dir, JR_SPILL_OVER_BUDGET) == 0);
	uint64_t cb = CHUNK_PAGES * ps, len = 4 * cb;
	uint8_t *p1, *p2;
	int64_t h1 = filled(&e, len, 4, &p1), h2 = filled(&e, len, 5, &p2);
	REQUIRE(h1 >= 0 && h2 >= 0);
	EXPECT_EQ(jr_range_mark(e.svc, h1), 0);
	EXPECT_EQ(counter(&e, JR_C_CHUNKS_SPILLED), 0);
	uint64_t in_memory = counter(&e, JR_C_SNAPSHOT_HELD);
	EXPECT(in_memory > 4 * 16);
	EXPECT_EQ(jr_service_set_snapshot_limits(e.svc, JR_SNAPSHOT_MIN_RATIO_PCT, in_memory), 0);
	EXPECT_EQ(jr_range_mark(e.svc, h2), 0);
	EXPECT_EQ(counter(&e, JR_C_CHUNKS_SPILLED), 4);
	EXPECT_EQ(counter(&e, JR_C_CHUNKS_OVER_BUDGET), 0);
	EXPECT_EQ(counter(&e, JR_C_SNAPSHOT_HELD), in_memory + 4 * 16);
	EXPECT_EQ(stat_of(&e, h2, JR_RS_KEPT_PAGES), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h1), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h2), 0);
	EXPECT_EQ(wrong_bytes(p1, len, 4), 0);
	EXPECT_EQ(wrong_bytes(p2, len, 5), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h1), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h2), 0);
	env_stop(&e);
}

/* A file that takes no more (RLIMIT_FSIZE: EFBIG, as a full disk's ENOSPC): the snapshot stays in memory within
 * the limit, else the chunk stays plain memory (KEEP); counted; every byte right. */
static void spill_write_fails(void)
{
	struct env e;
	REQUIRE(env_start(&e) == 0);
	REQUIRE(jr_service_set_spill(e.svc, dir, JR_SPILL_ALWAYS) == 0);
	uint64_t cb = CHUNK_PAGES * ps, len = 4 * cb;
	struct rlimit old;
	REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, SIG_IGN);
	struct rlimit none = {0, old.rlim_max};
	REQUIRE(setrlimit(RLIMIT_FSIZE, &none) == 0);
	uint8_t *p1, *p2;
	int64_t h1 = filled(&e, len, 6, &p1), h2 = filled(&e, len, 7, &p2);
	REQUIRE(h1 >= 0 && h2 >= 0);
	EXPECT_EQ(jr_range_mark(e.svc, h1), 0);
	EXPECT_EQ(counter(&e, JR_C_SPILL_ERRORS), 4);
	EXPECT_EQ(counter(&e, JR_C_CHUNKS_SPILLED), 0);
	EXPECT_EQ(counter(&e, JR_C_SPILL_HELD), 0);
	EXPECT(counter(&e, JR_C_SNAPSHOT_HELD) > 4 * 16); /* in memory: within the (unlimited) limit */
	EXPECT_EQ(jr_service_set_snapshot_limits(e.svc, JR_SNAPSHOT_MIN_RATIO_PCT, 0), 0);
	EXPECT_EQ(jr_range_mark(e.svc, h2), 0);
	EXPECT_EQ(counter(&e, JR_C_SPILL_ERRORS), 8);
	EXPECT_EQ(counter(&e, JR_C_CHUNKS_OVER_BUDGET), 4);
	EXPECT_EQ(stat_of(&e, h2, JR_RS_KEPT_PAGES), 4 * CHUNK_PAGES);
	REQUIRE(setrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, SIG_DFL);
	EXPECT_EQ(jr_range_purge(e.svc, h1), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h2), 0);
	EXPECT_EQ(wrong_bytes(p1, len, 6), 0);
	EXPECT_EQ(wrong_bytes(p2, len, 7), 0);
	EXPECT_EQ(counter(&e, JR_C_REBUILD_FAILURES), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h1), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h2), 0);
	env_stop(&e);
}

/* A read of the file that fails (here: the file cut to nothing under the service, a short read): zero reads as
 * zeros; the default (no fallback) poisons the page, so a system call reading it gets EFAULT: never wrong bytes. */
static void spill_read_fails(void)
{
	struct env e;
	REQUIRE(env_start(&e) == 0);
	REQUIRE(jr_service_set_spill(e.svc, dir, JR_SPILL_ALWAYS) == 0);
	int fd = spill_fd();
	REQUIRE(fd >= 0);
	uint64_t cb = CHUNK_PAGES * ps, len = 2 * cb;
	uint8_t *pz, *pk;
	int64_t hz = filled(&e, len, 8, &pz), hk = filled(&e, len, 9, &pk);
	REQUIRE(hz >= 0 && hk >= 0);
	EXPECT_EQ(jr_range_set_fallback(e.svc, hz, JR_FALLBACK_ZERO), 0);
	EXPECT_EQ(jr_range_mark(e.svc, hz), 0);
	EXPECT_EQ(jr_range_mark(e.svc, hk), 0);
	EXPECT_EQ(counter(&e, JR_C_CHUNKS_SPILLED), 4);
	EXPECT_EQ(jr_range_purge(e.svc, hz), 0);
	EXPECT_EQ(jr_range_purge(e.svc, hk), 0);
	REQUIRE(ftruncate(fd, 0) == 0);
	uint64_t nonzero = 0;
	for (uint64_t i = 0; i < len; i++)
		nonzero += pz[i] != 0;
	EXPECT_EQ(nonzero, 0);
	EXPECT(counter(&e, JR_C_SPILL_READ_ERRORS) >= 2);
	EXPECT_EQ(counter(&e, JR_C_REBUILD_FAILURES), 0);
	char path[320];
	snprintf(path, sizeof(path), "%s/../jr-spill-sink-%d", dir, (int)getpid());
	int sink = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
	REQUIRE(sink >= 0);
	unlink(path);
	errno = 0;
	EXPECT_EQ(write(sink, pk, ps), -1); /* the kernel's read of the page: poisoned */
	EXPECT_EQ(errno, EFAULT);
	close(sink);
	EXPECT(counter(&e, JR_C_REBUILD_FAILURES) >= 1);
	EXPECT_EQ(jr_range_remove(e.svc, hz), 0);
	EXPECT_EQ(jr_range_remove(e.svc, hk), 0);
	env_stop(&e);
}

int main(void)
{
	ps = (uint64_t)sysconf(_SC_PAGESIZE);
	const char *tmp = getenv("TMPDIR") && *getenv("TMPDIR") ? getenv("TMPDIR") : "/var/tmp";
	snprintf(dir, sizeof(dir), "%s/jr-spill-XXXXXX", tmp);
	struct statfs f;
	if (!mkdtemp(dir) || statfs(dir, &f) != 0 || f.f_type == TMPFS_MAGIC) {
		printf("not ok spill tests need a directory on a disk (TMPDIR or /var/tmp, not tmpfs): %s\n", dir);
		return 1;
	}
	RUN(spill_refuses_memory_and_bad_modes);
	RUN(spill_round_trip_and_reuse);
	RUN(spill_over_budget);
	RUN(spill_write_fails);
	RUN(spill_read_fails);
	rmdir(dir);
	TEST_EXIT();
}
