/*
 * End to end through the public API on a real userfaultfd: for each source, add a range, write it,
 * mark, purge, read back every byte, check the figures, lock, detach or remove. Runs as root (a full
 * userfaultfd needs CAP_SYS_PTRACE here, docs/fault-path.md).
 */
#define _GNU_SOURCE
#include "../../../main/c/jreclaim.h"
#include "../../../main/c/uffd_abi.h"
#include "test.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK_PAGES 16

static uint64_t ps;

/* As dev.jreclaim.agent.linux.Userfaultfd opens it: the system call, then one UFFDIO_API. */
static int open_uffd_flags(int flags)
{
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK | flags);
	if (fd < 0)
		return -errno;
	struct uffdio_api api = {.api = UFFD_API,
				 .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_POISON};
	if (ioctl(fd, UFFDIO_API, &api) != 0) {
		int e = errno;
		close(fd);
		return -e;
	}
	return fd;
}

static int open_uffd(void) { return open_uffd_flags(0); }

struct env {
	int uffd;
	struct jr_service *svc;
};

static int env_start_flags(struct env *e, uint32_t capacity, int uffd_flags)
{
	e->uffd = open_uffd_flags(uffd_flags);
	if (e->uffd < 0) {
		fprintf(stderr, "userfaultfd: %s\n", strerror(-e->uffd));
		return -1;
	}
	int64_t r = jr_service_start(e->uffd, JR_SVC_WP, capacity, CHUNK_PAGES, &e->svc);
	if (r != 0) {
		fprintf(stderr, "jr_service_start: %s\n", strerror((int)-r));
		close(e->uffd);
		return -1;
	}
	return 0;
}

static int env_start(struct env *e, uint32_t capacity) { return env_start_flags(e, capacity, 0); }

static void env_stop(struct env *e)
{
	EXPECT_EQ(jr_service_live_ranges(e->svc), 0);
	EXPECT_EQ(jr_service_stop(e->svc), 0);
	close(e->uffd);
}

static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 131 + (i >> 12) * 7 + 1); }
static uint8_t inverse(uint64_t i) { return (uint8_t)(pattern(i) ^ 0xffu); }

static void stats(struct env *e, int64_t h, uint64_t *s)
{
	EXPECT_EQ(jr_range_stats(e->svc, h, s, JR_RS_COUNT), JR_RS_COUNT);
}

static uint64_t counter(struct env *e, int c)
{
	uint64_t v[JR_C_COUNT];
	EXPECT_EQ(jr_service_counters(e->svc, v, JR_C_COUNT), JR_C_COUNT);
	return v[c];
}

static int mapped(uint64_t base, uint64_t len)
{
	unsigned char v;
	(void)len;
	return mincore((void *)(uintptr_t)base, ps, &v) == 0;
}

static void snapshot_round_trip(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t len = 100 * ps + 123, base = 0, rounded = 101 * ps;
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	REQUIRE(base % ps == 0);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_STATE], JR_STATE_LOCKED);
	EXPECT_EQ(s[JR_RS_SOURCE], JR_SOURCE_SNAPSHOT);
	EXPECT_EQ(s[JR_RS_BYTES], rounded);
	EXPECT_EQ(s[JR_RS_REGISTERED], 0);
	EXPECT_EQ(s[JR_RS_RESIDENT_PAGES], 0);

	uint8_t *p = (uint8_t *)(uintptr_t)base;
	for (uint64_t i = 0; i < rounded; i++)
		p[i] = pattern(i);
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_RESIDENT_PAGES], rounded / ps);

	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_STATE], JR_STATE_VOLATILE);
	EXPECT_EQ(s[JR_RS_REGISTERED], 1);
	EXPECT_EQ(s[JR_RS_MARKS], 1);
	EXPECT(s[JR_RS_SNAPSHOT_BYTES] > 0);

	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	stats(&e, h, s);
	uint64_t dropped = rounded / ps - s[JR_RS_RESIDENT_PAGES];
	EXPECT(dropped > rounded / ps / 2);

	uint64_t bad = 0;
	for (uint64_t i = 0; i < rounded; i++)
		bad += p[i] != pattern(i);
	EXPECT_EQ(bad, 0);
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_PAGES_RESTORED], dropped);
	EXPECT(s[JR_RS_FAULTS] > 0);
	EXPECT_EQ(s[JR_RS_RESIDENT_PAGES], rounded / ps);
	EXPECT_EQ(s[JR_RS_PAGES_POISONED], 0);
	EXPECT_EQ(counter(&e, JR_C_SRC_PAGES(JR_SOURCE_SNAPSHOT)), dropped);
	EXPECT_EQ(counter(&e, JR_C_INSTALL_ERRORS), 0);

	EXPECT_EQ(jr_range_lock(e.svc, h), JR_INTACT);
	EXPECT_EQ(counter(&e, JR_C_LOCKS_INTACT), 1);
	EXPECT_EQ(counter(&e, JR_C_LOCKS_PURGED), 0);

	/* Mark again after writes: the new snapshot holds them. */
	for (uint64_t i = 0; i < rounded; i += 97)
		p[i] ^= 0xff;
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	bad = 0;
	for (uint64_t i = 0; i < rounded; i++)
		bad += p[i] != (uint8_t)(i % 97 == 0 ? pattern(i) ^ 0xff : pattern(i));
	EXPECT_EQ(bad, 0);

	/* Detach: the mapping stays, with its bytes, and is the caller's. */
	EXPECT_EQ(jr_range_detach(e.svc, h), JR_INTACT);
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_STATE], JR_STATE_FREE);
	EXPECT_EQ(s[JR_RS_REGISTERED], 0);
	EXPECT(mapped(base, rounded));
	bad = 0;
	for (uint64_t i = 0; i < rounded; i++)
		bad += p[i] != (uint8_t)(i % 97 == 0 ? pattern(i) ^ 0xff : pattern(i));
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(jr_range_remove(e.svc, h), -EBADF);
	EXPECT_EQ(munmap(p, rounded), 0);
	env_stop(&e);
}

static void zero_round_trip(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t len = 64 * ps, base = 0;
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_ZERO, -1, 0, &base);
	REQUIRE(h >= 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	for (uint64_t i = 0; i < len; i++)
		p[i] = pattern(i);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	/* Each page is either kept whole or zero: never a mix, never other bytes. */
	uint64_t zero_pages = 0, bad = 0;
	for (uint64_t pg = 0; pg < len / ps; pg++) {
		int kept = p[pg * ps] == pattern(pg * ps);
		zero_pages += !kept;
		for (uint64_t i = pg * ps; i < (pg + 1) * ps; i++)
			bad += p[i] != (kept ? pattern(i) : 0);
	}
	EXPECT_EQ(bad, 0);
	EXPECT(zero_pages > len / ps / 2);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_PAGES_RESTORED], zero_pages);
	EXPECT_EQ(s[JR_RS_RESIDENT_PAGES], len / ps);
	EXPECT_EQ(jr_range_lock(e.svc, h), JR_INTACT);
	EXPECT_EQ(jr_service_set_recycle_max(e.svc, 0), 0); /* no recycling (recycled_range_starts_clean has it) */
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	/* Its memory went back to the kernel (the slot stays in its region), and the next range of its
	 * size reuses the slot, zeroed. */
	unsigned char vec[64];
	REQUIRE(mincore(p, len, vec) == 0);
	uint64_t still = 0;
	for (uint64_t pg = 0; pg < len / ps; pg++)
		still += vec[pg] & 1;
	EXPECT_EQ(still, 0);
	EXPECT_EQ(jr_range_remove(e.svc, h), -EBADF);
	uint64_t again = 0;
	int64_t h2 = jr_range_add(e.svc, len, JR_SOURCE_ZERO, -1, 0, &again);
	REQUIRE(h2 >= 0);
	EXPECT_EQ(again, base);
	uint64_t nonzero = 0;
	for (uint64_t i = 0; i < len; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(nonzero, 0);
	EXPECT_EQ(jr_range_remove(e.svc, h2), 0);
	env_stop(&e);
}

static void file_round_trip(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t len = 40 * ps, file_len = 30 * ps + 17, file_off = 2 * ps, base = 0;
	int fd = memfd_create("jr-file-test", MFD_CLOEXEC);
	REQUIRE(fd >= 0);
	uint8_t *content = malloc(file_off + file_len);
	for (uint64_t i = 0; i < file_off + file_len; i++)
		content[i] = pattern(i * 3);
	REQUIRE(write(fd, content, file_off + file_len) == (ssize_t)(file_off + file_len));
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_FILE, fd, file_off, &base);
	REQUIRE(h >= 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	/* What the range promises: the file's bytes from file_off, zeros past its end. */
	for (uint64_t i = 0; i < len; i++)
		p[i] = i < file_len ? content[file_off + i] : 0;
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	uint64_t bad = 0;
	for (uint64_t i = 0; i < len; i++)
		bad += p[i] != (i < file_len ? content[file_off + i] : 0);
	EXPECT_EQ(bad, 0);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h, s);
	EXPECT(s[JR_RS_PAGES_RESTORED] > len / ps / 2);
	EXPECT_EQ(s[JR_RS_REBUILD_FAILURES], 0);
	EXPECT_EQ(jr_range_lock(e.svc, h), JR_INTACT);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	/* The library owned the descriptor and closed it. */
	EXPECT(fcntl(fd, F_GETFD) < 0 && errno == EBADF);
	free(content);
	env_stop(&e);
}

static void poison_lock_reports_purged(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t len = 32 * ps, base = 0;
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_POISON, -1, 0, &base);
	REQUIRE(h >= 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	memset(p, 0x5a, len);
	EXPECT_EQ(jr_range_pin(e.svc, h, 0, ps), JR_INTACT); /* LOCKED: ordinary memory */
	EXPECT_EQ(jr_range_unpin(e.svc, h), 0);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_lock(e.svc, h), JR_INTACT); /* nothing purged yet */
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	EXPECT_EQ(jr_range_lock(e.svc, h), JR_PURGED);
	uint64_t nonzero = 0;
	for (uint64_t i = 0; i < len; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(nonzero, 0); /* a purged POISON range comes back zeroed, as a whole */
	EXPECT_EQ(counter(&e, JR_C_LOCKS_INTACT), 1);
	EXPECT_EQ(counter(&e, JR_C_LOCKS_PURGED), 1);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	env_stop(&e);
}

static void add_failures_and_registration(void)
{
	struct env e;
	REQUIRE(env_start(&e, 2) == 0);
	uint64_t base = 0, b2 = 0, b3 = 0;
	EXPECT_EQ(jr_range_add(e.svc, 0, JR_SOURCE_ZERO, -1, 0, &base), -EINVAL);
	EXPECT_EQ(jr_range_add(e.svc, ps, JR_SOURCE_COUNT, -1, 0, &base), -EINVAL);
	EXPECT_EQ(jr_range_add(e.svc, ps, JR_SOURCE_FILE, -1, 0, &base), -EBADF);
	int64_t h1 = jr_range_add(e.svc, ps, JR_SOURCE_ZERO, -1, 0, &base);
	int64_t h2 = jr_range_add(e.svc, ps, JR_SOURCE_ZERO, -1, 0, &b2);
	EXPECT(h1 >= 0 && h2 >= 0);
	int fd = memfd_create("jr-full", MFD_CLOEXEC);
	EXPECT_EQ(jr_range_add(e.svc, ps, JR_SOURCE_FILE, fd, 0, &b3), -ENOSPC);
	EXPECT(fcntl(fd, F_GETFD) >= 0); /* on failure the caller keeps the descriptor */
	close(fd);

	/* A range already registered elsewhere: the first mark fails with -EBUSY and changes nothing. */
	int other = open_uffd();
	REQUIRE(other >= 0);
	struct uffdio_register reg = {.range = {.start = base, .len = ps}, .mode = UFFDIO_REGISTER_MODE_MISSING};
	EXPECT_EQ(ioctl(other, UFFDIO_REGISTER, &reg), 0);
	EXPECT_EQ(jr_range_mark(e.svc, h1), -EBUSY);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h1, s);
	EXPECT_EQ(s[JR_RS_STATE], JR_STATE_LOCKED);
	EXPECT_EQ(s[JR_RS_REGISTERED], 0);
	close(other);
	EXPECT_EQ(jr_range_mark(e.svc, h1), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h1), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h2), 0);
	env_stop(&e);
}

static int check_constant(const struct jr_constant *t, int n, const char *name)
{
	int found = 0;
	for (int i = 0; i < n; i++)
		found += strcmp(t[i].name, name) == 0;
	if (found != 1)
		fprintf(stderr, "%s: %d entries in jr_constants()\n", name, found);
	EXPECT_EQ(found, 1);
	return 1;
}

/* Every enum value and object-like #define of jreclaim.h is in jr_constants(), by its name. */
/* Random bytes: LZ4 cannot shrink them. */
static void fill_random(uint8_t *p, uint64_t n, uint64_t seed)
{
	uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
	for (uint64_t i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		p[i] = (uint8_t)(x >> 24);
	}
}

/* Snapshots only where they pay: random chunks keep none and take the range's fallback (KEEP: never
 * freed; ZERO: read as zeros once purged); the memory limit sends chunks to the fallback as well, and a
 * chunk that stops paying after a purge gets its purged pages back from the old snapshot first. */
static void snapshot_only_where_it_pays(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t cb = CHUNK_PAGES * ps, len = 4 * cb, base = 0;
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	static uint8_t want[4 * CHUNK_PAGES * 4096];
	REQUIRE(len <= sizeof(want));
	fill_random(want, 2 * cb, 1);
	for (uint64_t i = 2 * cb; i < len; i++)
		want[i] = pattern(i);
	memcpy(p, want, len);

	/* KEEP (the default): the random half stays ordinary memory. */
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_KEPT_PAGES], 2 * CHUNK_PAGES);
	EXPECT(s[JR_RS_SNAPSHOT_BYTES] > 0 && s[JR_RS_SNAPSHOT_BYTES] < cb / 4);
	EXPECT_EQ(counter(&e, JR_C_CHUNKS_INCOMPRESSIBLE), 2);
	EXPECT_EQ(counter(&e, JR_C_CHUNKS_KEPT), 2);
	EXPECT(counter(&e, JR_C_SNAPSHOT_HELD) >= s[JR_RS_SNAPSHOT_BYTES]);
	EXPECT(counter(&e, JR_C_AGENT_BYTES) > counter(&e, JR_C_SNAPSHOT_HELD));
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	stats(&e, h, s);
	EXPECT(s[JR_RS_RESIDENT_PAGES] >= 2 * CHUNK_PAGES);
	EXPECT_EQ(memcmp(p, want, len), 0);

	/* ZERO: the random half is freed and reads as zeros once purged. */
	EXPECT_EQ(jr_range_set_fallback(e.svc, h, JR_FALLBACK_ZERO), 0);
	EXPECT_EQ(jr_range_set_fallback(e.svc, h, 7), -EINVAL);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_KEPT_PAGES], 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	uint64_t nonzero = 0;
	for (uint64_t i = 0; i < 2 * cb; i++)
		nonzero += p[i] != 0;
	EXPECT_EQ(nonzero, 0);
	EXPECT_EQ(memcmp(p + 2 * cb, want + 2 * cb, 2 * cb), 0);
	memcpy(p, want, 2 * cb);

	/* The memory limit: a purged chunk that no longer fits gets its pages back from the old
	 * snapshot, and stays ordinary memory (KEEP). */
	EXPECT_EQ(jr_range_set_fallback(e.svc, h, JR_FALLBACK_KEEP), 0);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	stats(&e, h, s);
	EXPECT(s[JR_RS_RESIDENT_PAGES] < 3 * CHUNK_PAGES); /* the pattern half was dropped */
	EXPECT_EQ(jr_service_set_snapshot_limits(e.svc, 99, 0), -EINVAL);
	EXPECT_EQ(jr_service_set_snapshot_limits(e.svc, JR_SNAPSHOT_MIN_RATIO_PCT, 0), 0);
	uint64_t over = counter(&e, JR_C_CHUNKS_OVER_BUDGET);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(counter(&e, JR_C_CHUNKS_OVER_BUDGET), over + 2);
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_SNAPSHOT_BYTES], 0);
	EXPECT_EQ(s[JR_RS_KEPT_PAGES], 4 * CHUNK_PAGES);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_RESIDENT_PAGES], 4 * CHUNK_PAGES);
	EXPECT_EQ(memcmp(p, want, len), 0);
	EXPECT_EQ(counter(&e, JR_C_INSTALL_ERRORS), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	env_stop(&e);
}

/* What happens to the file between the mark and the purge in file_provenance(). */
enum file_change { UNCHANGED, WRITTEN, TRUNCATED, DELETED, RENAMED_OVER };

/* Rebuild from provenance: a range filled by reads of a file of random bytes (which no snapshot pays
 * for) keeps no snapshot for the pages still equal to the file at mark, and gets them back from the
 * file; a page written after the read comes back as written; a file changed before the purge gives
 * zeros, never its new bytes, counted by reason. */
static void file_provenance_case(enum file_change change)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t cb = CHUNK_PAGES * ps, len = 2 * cb, base = 0;
	static uint8_t want[2 * CHUNK_PAGES * 4096], other[2 * CHUNK_PAGES * 4096];
	REQUIRE(len <= sizeof(want));
	char path[] = "/tmp/jreclaim-prov-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	fill_random(want, len, 7 + change);
	REQUIRE(pwrite(fd, want, len, 0) == (ssize_t)len);
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	EXPECT_EQ(jr_range_set_fallback(e.svc, h, JR_FALLBACK_ZERO), 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	/* The first chunk by pread (positional), the second by read(2) from the file offset. */
	REQUIRE(pread(fd, p, cb, 0) == (ssize_t)cb);
	EXPECT_EQ(jr_range_provenance(e.svc, h, 0, cb, fd, 0), (int)CHUNK_PAGES);
	REQUIRE(lseek(fd, (off_t)cb, SEEK_SET) == (off_t)cb);
	REQUIRE(read(fd, p + cb, cb) == (ssize_t)cb);
	EXPECT_EQ(jr_range_provenance(e.svc, h, cb, cb, fd, -1), (int)CHUNK_PAGES);
	/* Partial pages are never recorded; a range offset past the end is refused. */
	EXPECT_EQ(jr_range_provenance(e.svc, h, 10, ps, fd, 10), 0);
	EXPECT_EQ(jr_range_provenance(e.svc, h, len, ps, fd, 0), -EINVAL);
	/* Page 3 written after the read, before the mark: never rebuilt from the file. */
	memset(p + 3 * ps, 0x5a, 100);
	memset(want + 3 * ps, 0x5a, 100);

	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(counter(&e, JR_C_FILE_VERIFIED), 2 * CHUNK_PAGES - 1);
	EXPECT_EQ(counter(&e, JR_C_FILE_UNVERIFIED), 1);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h, s);
	EXPECT(s[JR_RS_SNAPSHOT_BYTES] > 0 && s[JR_RS_SNAPSHOT_BYTES] < cb / 4); /* zeros and page 3's bytes */
	EXPECT_EQ(s[JR_RS_KEPT_PAGES], 0);

	memset(other, 0xee, len);
	char moved[sizeof(path) + 8];
	snprintf(moved, sizeof(moved), "%s.new", path);
	if (change == WRITTEN)
		REQUIRE(pwrite(fd, other, ps, 5 * ps) == (ssize_t)ps);
	if (change == TRUNCATED)
		REQUIRE(ftruncate(fd, (off_t)(len / 2)) == 0);
	if (change == DELETED)
		REQUIRE(unlink(path) == 0);
	if (change == RENAMED_OVER) {
		int nfd = open(moved, O_CREAT | O_WRONLY | O_TRUNC, 0600);
		REQUIRE(nfd >= 0 && write(nfd, other, len) == (ssize_t)len);
		close(nfd);
		REQUIRE(rename(moved, path) == 0);
	}
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	stats(&e, h, s);
	uint64_t dropped = 2 * CHUNK_PAGES - s[JR_RS_RESIDENT_PAGES];
	EXPECT(dropped > CHUNK_PAGES);
	unsigned char v3 = 1;
	EXPECT_EQ(mincore(p + 3 * ps, ps, &v3), 0);
	uint64_t from_file = dropped - !(v3 & 1); /* page 3 comes from the snapshot */
	uint64_t wrong = 0, zero_pages = 0;
	for (uint64_t pg = 0; pg < 2 * CHUNK_PAGES; pg++) {
		const uint8_t *got = p + pg * ps;
		int is_zero = 1;
		for (uint64_t i = 0; i < ps && is_zero; i++)
			is_zero = got[i] == 0;
		zero_pages += is_zero;
		/* Either the bytes read (or written after the read), or, once the file changed, zeros. */
		if (memcmp(got, want + pg * ps, ps) != 0 && !(change != UNCHANGED && is_zero && pg != 3))
			wrong++;
	}
	EXPECT_EQ(wrong, 0);
	EXPECT_EQ(memcmp(p + 3 * ps, want + 3 * ps, ps), 0);
	uint64_t failed = counter(&e, JR_C_FILE_STALE) + counter(&e, JR_C_FILE_MISSING) + counter(&e, JR_C_FILE_IO_ERRORS);
	if (change == UNCHANGED) {
		EXPECT_EQ(memcmp(p, want, len), 0);
		EXPECT_EQ(counter(&e, JR_C_FILE_PAGES), from_file);
		EXPECT_EQ(failed, 0);
	} else {
		EXPECT_EQ(counter(&e, JR_C_FILE_PAGES), 0);
		EXPECT_EQ(failed, from_file);
		EXPECT_EQ(zero_pages, failed);
		EXPECT_EQ(counter(&e, change == WRITTEN || change == TRUNCATED ? JR_C_FILE_STALE : JR_C_FILE_MISSING), failed);
	}
	EXPECT_EQ(counter(&e, JR_C_INSTALL_ERRORS), 0);
	/* The next mark compares again: pages that no longer match their file keep their bytes in the snapshot. */
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	uint64_t again = 0;
	for (uint64_t pg = 0; pg < 2 * CHUNK_PAGES; pg++)
		again += memcmp(p + pg * ps, want + pg * ps, ps) != 0;
	EXPECT_EQ(again, change == UNCHANGED ? 0 : zero_pages);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	close(fd);
	unlink(path);
	env_stop(&e);
}

static void file_provenance(void)
{
	file_provenance_case(UNCHANGED);
	file_provenance_case(WRITTEN);
	file_provenance_case(TRUNCATED);
	file_provenance_case(DELETED);
	file_provenance_case(RENAMED_OVER);
}

/* Present pages of [base, base+pages) whose PTE is userfaultfd write-protected (/proc/self/pagemap bit 57). */
static uint64_t wp_pages(uint64_t base, uint64_t pages)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	if (fd < 0)
		return UINT64_MAX;
	uint64_t n = 0;
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t e = 0;
		if (pread(fd, &e, sizeof(e), (off_t)((base / ps + i) * sizeof(e))) != (ssize_t)sizeof(e))
			n = UINT64_MAX;
		else if ((e >> 63) & 1)
			n += (e >> 57) & 1;
	}
	close(fd);
	return n;
}

static uint64_t memory_stat(struct env *e, int which)
{
	uint64_t v[JR_MS_COUNT];
	EXPECT_EQ(jr_service_memory(e->svc, v, JR_MS_COUNT), JR_MS_COUNT);
	return v[which];
}

/*
 * A range removed without ever being marked leaves its slot to the next range of its size (recycled):
 * that range starts with nothing of the first one's life: zeros, no registration, no snapshot, no file
 * provenance (the first life recorded some, never marked), no write-protect; marked and purged it
 * reads back its own bytes. Marked, purged and write-protected, its slot is recycled again without a
 * write-protect bit; a POISON range once marked is not recycled. Recycled bytes are the library's own.
 */
static void recycled_range_starts_clean(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t len = 256 * ps, b1 = 0, b2 = 0;
	static uint8_t bytes[256 * 4096];
	REQUIRE(len <= sizeof(bytes));
	char path[] = "/tmp/jreclaim-recycle-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	fill_random(bytes, len, 11);
	REQUIRE(pwrite(fd, bytes, len, 0) == (ssize_t)len);
	uint64_t own0 = counter(&e, JR_C_AGENT_BYTES);

	int64_t h1 = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &b1);
	REQUIRE(h1 >= 0);
	REQUIRE(pread(fd, (void *)(uintptr_t)b1, len, 0) == (ssize_t)len);
	EXPECT_EQ(jr_range_provenance(e.svc, h1, 0, len, fd, 0), 256);
	EXPECT_EQ(jr_range_remove(e.svc, h1), 0);
	EXPECT_EQ(memory_stat(&e, JR_MS_RECYCLED_BYTES), len);
	EXPECT(counter(&e, JR_C_AGENT_BYTES) >= own0 + len);

	int64_t h2 = jr_range_add(e.svc, len - 100, JR_SOURCE_SNAPSHOT, -1, 0, &b2);
	REQUIRE(h2 >= 0);
	EXPECT_EQ(b2, b1);
	EXPECT_EQ(memory_stat(&e, JR_MS_RECYCLE_HITS), 1);
	EXPECT_EQ(memory_stat(&e, JR_MS_RECYCLED_BYTES), 0);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h2, s);
	EXPECT_EQ(s[JR_RS_STATE], JR_STATE_LOCKED);
	EXPECT_EQ(s[JR_RS_REGISTERED], 0);
	EXPECT_EQ(s[JR_RS_SNAPSHOT_BYTES], 0);
	EXPECT_EQ(s[JR_RS_MARKS], 0);
	uint8_t *p = (uint8_t *)(uintptr_t)b2;
	uint64_t nz = 0;
	for (uint64_t i = 0; i < len; i++)
		nz += p[i] != 0;
	EXPECT_EQ(nz, 0);
	/* Its own bytes, unlike the file's: a page rebuilt from the first life's provenance would be wrong. */
	for (uint64_t i = 0; i < len; i++)
		p[i] = (uint8_t)(bytes[i] ^ 0x3c);
	EXPECT_EQ(jr_range_mark(e.svc, h2), 0);
	EXPECT_EQ(counter(&e, JR_C_FILE_VERIFIED), 0);
	/* A write after the mark is kept (write-protect is this life's). */
	p[5 * ps + 1] = 0x42;
	EXPECT_EQ(jr_range_purge(e.svc, h2), 0);
	uint64_t wrong = 0;
	for (uint64_t i = 0; i < len; i++)
		wrong += p[i] != (i == 5 * ps + 1 ? 0x42 : (uint8_t)(bytes[i] ^ 0x3c));
	EXPECT_EQ(wrong, 0);
	EXPECT_EQ(counter(&e, JR_C_FILE_PAGES), 0);
	/* Marked again and purged, half read back, a write under write-protect: then removed, its slot recycled. */
	EXPECT_EQ(jr_range_mark(e.svc, h2), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h2), 0);
	for (uint64_t i = 0; i < len / 2; i += ps)
		wrong += p[i] != (i == 5 * ps ? (uint8_t)(bytes[i] ^ 0x3c) : (uint8_t)(bytes[i] ^ 0x3c));
	EXPECT_EQ(wrong, 0);
	EXPECT_EQ(jr_range_mark(e.svc, h2), 0);
	/* Its present pages write-protected, as a mark's capture leaves them (whatever the mark left). */
	struct uffdio_writeprotect wp = {.range = {.start = b2, .len = len / 2}, .mode = UFFDIO_WRITEPROTECT_MODE_WP};
	EXPECT_EQ(ioctl(e.uffd, UFFDIO_WRITEPROTECT, &wp), 0);
	uint64_t wp_before = wp_pages(b2, len / ps);
	printf("# %llu pages write-protected at remove\n", (unsigned long long)wp_before);
	EXPECT(wp_before > 0 && wp_before != UINT64_MAX);
	EXPECT_EQ(jr_range_remove(e.svc, h2), 0);
	EXPECT(memory_stat(&e, JR_MS_RECYCLED_BYTES) > 0);
	EXPECT(memory_stat(&e, JR_MS_RECYCLED_BYTES) <= len);
	int64_t h4 = jr_range_add(e.svc, len, JR_SOURCE_ZERO, -1, 0, &b2);
	REQUIRE(h4 >= 0);
	EXPECT_EQ(b2, b1);
	EXPECT_EQ(memory_stat(&e, JR_MS_RECYCLE_HITS), 2);
	EXPECT_EQ(wp_pages(b2, len / ps), 0); /* no write-protect bit of the last life */
	stats(&e, h4, s);
	EXPECT_EQ(s[JR_RS_REGISTERED], 0);
	nz = 0;
	for (uint64_t i = 0; i < len; i++)
		nz += p[i] != 0;
	EXPECT_EQ(nz, 0);
	memset(p, 0x99, len); /* no fault reaches the service: the slot is not registered */
	EXPECT_EQ(jr_range_mark(e.svc, h4), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h4), 0);
	nz = 0;
	for (uint64_t i = 0; i < len; i++)
		nz += p[i] != 0 && p[i] != 0x99;
	EXPECT_EQ(nz, 0); /* ZERO: each page its own bytes or zeros, never the last life's */
	EXPECT_EQ(jr_range_remove(e.svc, h4), 0);
	uint64_t recycled = memory_stat(&e, JR_MS_RECYCLED_BYTES);

	/* A POISON range once marked may hold poison markers: its slot is not recycled. */
	int64_t h5 = jr_range_add(e.svc, len, JR_SOURCE_POISON, -1, 0, &b2);
	REQUIRE(h5 >= 0);
	memset((void *)(uintptr_t)b2, 7, len);
	EXPECT_EQ(jr_range_mark(e.svc, h5), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h5), 0);
	EXPECT_EQ(memory_stat(&e, JR_MS_RECYCLED_BYTES), 0); /* it took the recycled slot, and gave it back */
	(void)recycled;

	/* Off: nothing is kept. */
	EXPECT_EQ(jr_service_set_recycle_max(e.svc, -1), -EINVAL);
	EXPECT_EQ(jr_service_set_recycle_max(e.svc, 0), 0);
	int64_t h3 = jr_range_add(e.svc, len, JR_SOURCE_ZERO, -1, 0, &b1);
	REQUIRE(h3 >= 0);
	memset((void *)(uintptr_t)b1, 1, len);
	EXPECT_EQ(jr_range_remove(e.svc, h3), 0);
	EXPECT_EQ(memory_stat(&e, JR_MS_RECYCLED_BYTES), 0);
	close(fd);
	unlink(path);
	env_stop(&e);
}

static void constants_table_is_complete(void)
{
	const struct jr_constant *t = NULL;
	int n = jr_constants(&t);
	REQUIRE(n > 0 && t);
	EXPECT_EQ(jr_version(), JR_VERSION);
	FILE *f = fopen(JR_HEADER_PATH, "r");
	REQUIRE(f);
	char line[512];
	int in_enum = 0, names = 0;
	while (fgets(line, sizeof(line), f)) {
		char *c = strstr(line, "/*");
		if (c)
			*c = 0; /* comments name constants too */
		char *s = line;
		while (*s == ' ' || *s == '\t')
			s++;
		char name[128];
		if (sscanf(s, "#define %127[A-Z0-9_]", name) == 1) {
			const char *after = strstr(s, name) + strlen(name);
			if (*after != '(' && strcmp(name, "JR_API") != 0 && strcmp(name, "JRECLAIM_H") != 0)
				names += check_constant(t, n, name);
			continue;
		}
		if (strncmp(s, "enum jr_", 8) == 0 && strchr(s, '{')) {
			in_enum = 1;
			s = strchr(s, '{') + 1;
		}
		if (!in_enum)
			continue;
		/* Enumerators: each JR_ name at the start of a comma-separated item. */
		for (char *item = strtok(s, ",}"); item; item = strtok(NULL, ",}")) {
			while (*item == ' ' || *item == '\t' || *item == '\n')
				item++;
			if (sscanf(item, "%127[A-Z0-9_]", name) == 1 && strncmp(name, "JR_", 3) == 0)
				names += check_constant(t, n, name);
		}
		if (strchr(line, '}'))
			in_enum = 0;
	}
	fclose(f);
	/* Then the kernel ABI values Java shares (constants.c), each named as in userfaultfd.h. */
	int shared = 0;
	for (int i = 0; i < n; i++)
		if (strncmp(t[i].name, "UFFD_", 5) == 0)
			shared++;
	EXPECT_EQ(shared, 4);
	EXPECT_EQ(names + shared, n);
	for (int i = 0; i < n; i++)
		if (strcmp(t[i].name, "JR_C_COUNT") == 0)
			EXPECT_EQ(t[i].value, JR_C_COUNT);
}

/* Every page of [base, base+len) resident. */
static uint64_t resident(uint64_t base, uint64_t len)
{
	unsigned char v[256];
	uint64_t n = 0;
	if (len / ps > sizeof(v) || mincore((void *)(uintptr_t)base, len, v) != 0)
		return UINT64_MAX;
	for (uint64_t i = 0; i < len / ps; i++)
		n += v[i] & 1;
	return n;
}

/* A pin restores the span, keeps it through a purge, and holds off mark and remove until unpinned. */
static void pin_holds_off_mark_and_remove(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t len = 64 * ps, base = 0;
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	for (uint64_t i = 0; i < len; i++)
		p[i] = pattern(i);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	EXPECT(resident(base, len) < len / ps / 2);
	EXPECT_EQ(jr_range_pin(e.svc, h, ps + 1, len - 2 * ps), JR_INTACT);
	EXPECT_EQ(resident(base + ps, len - ps), len / ps - 1); /* the span's pages, ps+1 rounded down */
	EXPECT_EQ(jr_range_pin(e.svc, h, 0, len), JR_INTACT);  /* pins nest */
	EXPECT_EQ(jr_range_mark(e.svc, h), -EAGAIN);
	EXPECT_EQ(jr_range_remove(e.svc, h), -EAGAIN);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	EXPECT_EQ(resident(base, len), len / ps); /* dirty: the kernel keeps them (no swap here) */
	uint64_t bad = 0;
	for (uint64_t i = 0; i < len; i++)
		bad += p[i] != pattern(i);
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(jr_range_pin(e.svc, h, len - 1, 2), -ERANGE);
	EXPECT_EQ(jr_range_unpin(e.svc, h), 1);
	EXPECT_EQ(jr_range_mark(e.svc, h), -EAGAIN);
	EXPECT_EQ(jr_range_unpin(e.svc, h), 0);
	EXPECT_EQ(jr_range_unpin(e.svc, h), -EINVAL);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0); /* the retry after the last unpin */
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	EXPECT(resident(base, len) < len / ps / 2);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	EXPECT_EQ(jr_range_unpin(e.svc, h), -EBADF);
	EXPECT_EQ(jr_range_pin(e.svc, h, 0, 1), -EBADF);
	/* A detached range's pins end with it. */
	h = jr_range_add(e.svc, len, JR_SOURCE_ZERO, -1, 0, &base);
	REQUIRE(h >= 0);
	EXPECT_EQ(jr_range_pin(e.svc, h, 0, len), JR_INTACT);
	EXPECT_EQ(jr_range_detach(e.svc, h), JR_INTACT);
	EXPECT_EQ(jr_range_unpin(e.svc, h), -EBADF);
	EXPECT_EQ(munmap((void *)(uintptr_t)base, len), 0);
	env_stop(&e);
}

/* POISON: a pin over a lost page says JR_PURGED and takes no pin, without a signal; an intact span pins. */
static void poison_pin(struct env *e)
{
	uint64_t len = 32 * ps, base = 0;
	int64_t h = jr_range_add(e->svc, len, JR_SOURCE_POISON, -1, 0, &base);
	REQUIRE(h >= 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	memset(p, 0x5a, len);
	EXPECT_EQ(jr_range_mark(e->svc, h), 0);
	EXPECT_EQ(jr_range_pin(e->svc, h, 0, len), JR_INTACT);
	EXPECT_EQ(jr_range_purge(e->svc, h), 0);
	EXPECT_EQ(resident(base, len), len / ps);
	EXPECT_EQ(jr_range_unpin(e->svc, h), 0);
	EXPECT_EQ(jr_range_lock(e->svc, h), JR_INTACT);
	EXPECT_EQ(jr_range_mark(e->svc, h), 0);
	EXPECT_EQ(jr_range_purge(e->svc, h), 0);
	EXPECT_EQ(jr_range_pin(e->svc, h, 3 * ps, 2 * ps), JR_PURGED); /* would be SIGBUS from a user-mode touch */
	EXPECT_EQ(jr_range_unpin(e->svc, h), -EINVAL);                  /* no pin was taken */
	EXPECT_EQ(jr_range_pin(e->svc, h, 0, len), JR_PURGED);
	EXPECT_EQ(jr_range_lock(e->svc, h), JR_PURGED);
	EXPECT_EQ(jr_range_pin(e->svc, h, 0, len), JR_INTACT); /* LOCKED after the lock: zeroed, ordinary memory */
	EXPECT_EQ(jr_range_unpin(e->svc, h), 0);
	EXPECT_EQ(jr_range_remove(e->svc, h), 0);
}

static void poison_pin_reports_purged(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	poison_pin(&e);
	env_stop(&e);
}

/*
 * User-mode-only userfaultfd (what an unprivileged process gets): write(2) from a purged page fails with
 * EFAULT; after a pin it writes the right bytes, and read(2) into the pinned range lands. POISON pins the
 * same way as with a full userfaultfd.
 */
static void user_mode_only_pin_serves_system_calls(void)
{
	struct env e;
	REQUIRE(env_start_flags(&e, 8, UFFD_USER_MODE_ONLY) == 0);
	uint64_t len = 48 * ps, base = 0;
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	for (uint64_t i = 0; i < len; i++)
		p[i] = pattern(i);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	int fd = memfd_create("jr-pin", 0);
	REQUIRE(fd >= 0);
	errno = 0;
	EXPECT(write(fd, p, len) < 0 && errno == EFAULT); /* why the agent pins */
	EXPECT_EQ(jr_range_pin(e.svc, h, 0, len), JR_INTACT);
	EXPECT_EQ((int64_t)pwrite(fd, p, len, 0), (int64_t)len);
	EXPECT_EQ(jr_range_unpin(e.svc, h), 0);
	uint8_t *back = malloc(len);
	REQUIRE(back);
	EXPECT_EQ((int64_t)pread(fd, back, len, 0), (int64_t)len);
	uint64_t bad = 0;
	for (uint64_t i = 0; i < len; i++)
		bad += back[i] != pattern(i);
	EXPECT_EQ(bad, 0);
	/* read(2) into a purged range: pinned first, then the kernel writes the pages. */
	for (uint64_t i = 0; i < len; i++)
		back[i] = inverse(i);
	EXPECT_EQ((int64_t)pwrite(fd, back, len, 0), (int64_t)len);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	EXPECT_EQ(jr_range_pin(e.svc, h, 0, len), JR_INTACT);
	EXPECT_EQ((int64_t)pread(fd, p, len, 0), (int64_t)len);
	EXPECT_EQ(jr_range_unpin(e.svc, h), 0);
	bad = 0;
	for (uint64_t i = 0; i < len; i++)
		bad += p[i] != inverse(i);
	EXPECT_EQ(bad, 0);
	free(back);
	close(fd);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	poison_pin(&e);
	env_stop(&e);
}

int main(void)
{
	ps = (uint64_t)sysconf(_SC_PAGESIZE);
	RUN(snapshot_round_trip);
	RUN(zero_round_trip);
	RUN(file_round_trip);
	RUN(poison_lock_reports_purged);
	RUN(add_failures_and_registration);
	RUN(snapshot_only_where_it_pays);
	RUN(file_provenance);
	RUN(constants_table_is_complete);
	RUN(recycled_range_starts_clean);
	RUN(pin_holds_off_mark_and_remove);
	RUN(poison_pin_reports_purged);
	RUN(user_mode_only_pin_serves_system_calls);
	TEST_EXIT();
}
