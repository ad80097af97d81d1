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
#include <sys/mount.h>
#include <sys/stat.h>
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

/* The file's last page (docs/fault-path.md, "Pages rebuilt from the file they were read from"): recorded
 * when the read reached the file's end and began at or before the page, verified at mark against the
 * file's tail and zeros, rebuilt as that; a tail page whose rest was written keeps its bytes. */
static void file_provenance_tail_case(int write_rest)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t flen = 2 * ps + 100, len = CHUNK_PAGES * ps, base = 0;
	static uint8_t want[CHUNK_PAGES * 4096];
	REQUIRE(len <= sizeof(want) && flen < len);
	char path[] = "/tmp/jreclaim-tail-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	memset(want, 0, len);
	fill_random(want, flen, 11);
	REQUIRE(pwrite(fd, want, flen, 0) == (ssize_t)flen);
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	EXPECT_EQ(jr_range_set_fallback(e.svc, h, JR_FALLBACK_ZERO), 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	/* Not to the file's end: whole pages only. Then to the end from a page start: the tail page too. */
	REQUIRE(pread(fd, p, ps + 200, 0) == (ssize_t)(ps + 200));
	EXPECT_EQ(jr_range_provenance(e.svc, h, 0, ps + 200, fd, 0), 1);
	REQUIRE(pread(fd, p + ps, flen - ps, ps) == (ssize_t)(flen - ps));
	EXPECT_EQ(jr_range_provenance(e.svc, h, ps, flen - ps, fd, (int64_t)ps), 2);
	/* To the end, but from inside the last page: it holds other bytes before, never recorded. */
	EXPECT_EQ(jr_range_provenance(e.svc, h, 2 * ps + 50, 50, fd, (int64_t)(2 * ps + 50)), 0);
	if (write_rest) {
		p[2 * ps + 3000] = 0x5a;
		want[2 * ps + 3000] = 0x5a;
	}
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(counter(&e, JR_C_FILE_VERIFIED), write_rest ? 2 : 3);
	EXPECT_EQ(counter(&e, JR_C_FILE_UNVERIFIED), write_rest ? 1 : 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h, s);
	EXPECT(s[JR_RS_RESIDENT_PAGES] < 3);
	EXPECT_EQ(memcmp(p, want, len), 0);
	EXPECT_EQ(counter(&e, JR_C_FILE_PAGES), write_rest ? 2 : 3);
	EXPECT_EQ(counter(&e, JR_C_FILE_STALE) + counter(&e, JR_C_FILE_MISSING) + counter(&e, JR_C_FILE_IO_ERRORS), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	close(fd);
	unlink(path);
	env_stop(&e);
}

static void file_provenance_tail(void)
{
	file_provenance_tail_case(0);
	file_provenance_tail_case(1);
}

/* More files than max-open through the service: each chunk of a range read from its own file, two
 * descriptors at most, every page rebuilt right (evicted files reopened by path); the range's removal
 * drops the files' records and descriptors. */
static void file_lru_through_service(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	enum { FILES = 6 };
	uint64_t cb = CHUNK_PAGES * ps, len = FILES * cb, base = 0;
	static uint8_t want[FILES * CHUNK_PAGES * 4096];
	REQUIRE(len <= sizeof(want));
	EXPECT_EQ(jr_service_set_max_open_files(e.svc, 0), -EINVAL);
	EXPECT_EQ(jr_service_set_max_open_files(e.svc, 2), 0);
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	EXPECT_EQ(jr_range_set_fallback(e.svc, h, JR_FALLBACK_ZERO), 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	char path[FILES][64];
	fill_random(want, len, 99);
	for (int i = 0; i < FILES; i++) {
		snprintf(path[i], sizeof(path[i]), "/tmp/jreclaim-e2e-lru-%d-%d", (int)getpid(), i);
		int fd = open(path[i], O_CREAT | O_RDWR | O_TRUNC, 0600);
		REQUIRE(fd >= 0);
		REQUIRE(pwrite(fd, want + i * cb, cb, 0) == (ssize_t)cb);
		REQUIRE(pread(fd, p + i * cb, cb, 0) == (ssize_t)cb);
		EXPECT_EQ(jr_range_provenance(e.svc, h, i * cb, cb, fd, 0), (int)CHUNK_PAGES);
		close(fd); /* the application's descriptor goes: the library has its own, or the path */
	}
	EXPECT(counter(&e, JR_C_FILES_OPEN) <= 2);
	EXPECT_EQ(counter(&e, JR_C_FILES_TRACKED), FILES);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(counter(&e, JR_C_FILE_VERIFIED), FILES * CHUNK_PAGES);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h, s);
	uint64_t dropped = FILES * CHUNK_PAGES - s[JR_RS_RESIDENT_PAGES];
	EXPECT(dropped > FILES * CHUNK_PAGES / 2);
	EXPECT_EQ(memcmp(p, want, len), 0);
	EXPECT_EQ(counter(&e, JR_C_FILE_PAGES), dropped);
	EXPECT(counter(&e, JR_C_FILE_REOPENS) >= FILES - 2);
	EXPECT(counter(&e, JR_C_FILES_OPEN) <= 2);
	EXPECT_EQ(counter(&e, JR_C_FILE_STALE) + counter(&e, JR_C_FILE_MISSING) + counter(&e, JR_C_FILE_IO_ERRORS), 0);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	EXPECT_EQ(counter(&e, JR_C_FILES_TRACKED), 0);
	EXPECT_EQ(counter(&e, JR_C_FILES_OPEN), 0);
	for (int i = 0; i < FILES; i++)
		unlink(path[i]);
	env_stop(&e);
}

/* One chunk read from a file at dir, marked under policy, then the file changed in place (same size) by
 * change(): returns how many of the chunk's pages read as want_after after a purge, -1 on a setup failure,
 * -2 when the change moved the file's timestamps (the caller retries: the tick passed). */
static int file_change_case(const char *dir, uint32_t policy, int keep_timestamps, uint8_t *orig, uint8_t *after,
			    uint8_t *got_out, uint64_t *cnt)
{
	struct env e;
	if (env_start(&e, 8) != 0)
		return -1;
	uint64_t cb = CHUNK_PAGES * ps, base = 0;
	char path[128];
	snprintf(path, sizeof(path), "%s/jreclaim-e2e-change-%d", dir, (int)getpid());
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600), r = -1;
	int64_t h = jr_range_add(e.svc, cb, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	if (fd < 0 || h < 0 || pwrite(fd, orig, cb, 0) != (ssize_t)cb)
		goto out;
	jr_range_set_fallback(e.svc, h, JR_FALLBACK_ZERO);
	EXPECT_EQ(jr_range_set_file_policy(e.svc, h, policy), 0);
	struct stat st0, st1;
	if (pread(fd, p, cb, 0) != (ssize_t)cb || jr_range_provenance(e.svc, h, 0, cb, fd, 0) != (int)CHUNK_PAGES ||
	    fstat(fd, &st0) != 0)
		goto out;
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	if (pwrite(fd, after, cb, 0) != (ssize_t)cb || fstat(fd, &st1) != 0)
		goto out;
	if (keep_timestamps && (st0.st_mtim.tv_nsec != st1.st_mtim.tv_nsec || st0.st_mtim.tv_sec != st1.st_mtim.tv_sec ||
				st0.st_ctim.tv_nsec != st1.st_ctim.tv_nsec || st0.st_ctim.tv_sec != st1.st_ctim.tv_sec)) {
		r = -2;
		goto out;
	}
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	memcpy(got_out, p, cb);
	r = 0;
	for (uint64_t pg = 0; pg < CHUNK_PAGES; pg++)
		r += memcmp(p + pg * ps, after + pg * ps, ps) == 0;
	for (int i = 0; i < JR_C_COUNT; i++)
		cnt[i] = counter(&e, i);
out:
	if (h >= 0)
		EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	if (fd >= 0)
		close(fd);
	unlink(path);
	env_stop(&e);
	return r;
}

/* The residual window of the identity check, and the hash that closes it. On ramfs (no multigrain
 * timestamps: a write in the same clock tick as our stat leaves mtime and ctime as they were) a file written
 * in place with the same size keeps its identity: with identity only its new bytes come back (what
 * docs/fault-path.md documents), with JR_FILE_HASH the pages read as zeros, counted stale by hash. On
 * ext4/tmpfs (multigrain) the identity alone catches the same change. */
static void file_hash_check(void)
{
	uint64_t cb = CHUNK_PAGES * ps;
	static uint8_t orig[CHUNK_PAGES * 4096], after[CHUNK_PAGES * 4096], got[CHUNK_PAGES * 4096];
	static uint64_t cnt[JR_C_COUNT];
	REQUIRE(cb <= sizeof(orig));
	fill_random(orig, cb, 5);
	memcpy(after, orig, cb);
	for (uint64_t pg = 0; pg < CHUNK_PAGES; pg++)
		after[pg * ps + 7] ^= 0x40; /* one byte per page */
	/* ext4 here (/tmp): the identity sees it. */
	EXPECT_EQ(file_change_case("/tmp", 0, 0, orig, after, got, cnt), 0);
	EXPECT(cnt[JR_C_FILE_STALE] > 0);
	EXPECT_EQ(cnt[JR_C_FILE_PAGES], 0);
	char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/jreclaim-ramfs-%d", (int)getpid());
	REQUIRE(mkdir(dir, 0700) == 0);
	if (mount("none", dir, "ramfs", 0, NULL) != 0) {
		printf("# skip: ramfs (a file system with coarse timestamps) cannot be mounted here: %s\n", strerror(errno));
		rmdir(dir);
		return;
	}
	for (int hash = 0; hash < 2; hash++) {
		int r = -2;
		for (int tries = 0; tries < 50 && r == -2; tries++)
			r = file_change_case(dir, hash ? JR_FILE_HASH : 0, 1, orig, after, got, cnt);
		EXPECT(r >= 0);
		if (r < 0)
			continue;
		if (!hash) { /* the residual window: every purged page comes back with the file's new bytes */
			EXPECT(cnt[JR_C_FILE_PAGES] > CHUNK_PAGES / 2);
			EXPECT_EQ(cnt[JR_C_FILE_STALE], 0);
			EXPECT_EQ((uint64_t)r, cnt[JR_C_FILE_PAGES]); /* those pages hold the new bytes, never-purged ones the old */
		} else {
			EXPECT_EQ(r, 0);
			EXPECT_EQ(cnt[JR_C_FILE_PAGES], 0);
			EXPECT(cnt[JR_C_FILE_HASH_MISMATCH] > CHUNK_PAGES / 2);
			EXPECT_EQ(cnt[JR_C_FILE_STALE], cnt[JR_C_FILE_HASH_MISMATCH]);
			uint64_t bad = 0;
			for (uint64_t pg = 0; pg < CHUNK_PAGES; pg++) {
				int zero = 1;
				for (uint64_t i = 0; i < ps && zero; i++)
					zero = got[pg * ps + i] == 0;
				bad += !zero && memcmp(got + pg * ps, orig + pg * ps, ps) != 0;
			}
			EXPECT_EQ(bad, 0); /* zeros (purged, stale by hash) or the original bytes (never purged) */
		}
	}
	umount(dir);
	rmdir(dir);
}

/* rebuild:file,rebuild:snapshot,zero page by page (JR_FILE_SNAPSHOT): compressible file pages keep their
 * bytes in the snapshot too, so once the file changes they come back from it, not as zeros; incompressible
 * ones cannot (the chunk's snapshot would not pay) and fall to zero. */
static void file_then_snapshot_per_page(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t cb = CHUNK_PAGES * ps, len = 2 * cb, base = 0;
	static uint8_t want[2 * CHUNK_PAGES * 4096];
	REQUIRE(len <= sizeof(want));
	for (uint64_t i = 0; i < cb; i++)
		want[i] = pattern(i); /* chunk 0 compresses */
	fill_random(want + cb, cb, 17); /* chunk 1 does not */
	char path[64];
	snprintf(path, sizeof(path), "/tmp/jreclaim-e2e-chain-%d", (int)getpid());
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	REQUIRE(fd >= 0 && pwrite(fd, want, len, 0) == (ssize_t)len);
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	EXPECT_EQ(jr_range_set_fallback(e.svc, h, JR_FALLBACK_ZERO), 0);
	EXPECT_EQ(jr_range_set_file_policy(e.svc, h, 8), -EINVAL);
	EXPECT_EQ(jr_range_set_file_policy(e.svc, h, JR_FILE_SNAPSHOT), 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	REQUIRE(pread(fd, p, len, 0) == (ssize_t)len);
	EXPECT_EQ(jr_range_provenance(e.svc, h, 0, len, fd, 0), (int)(2 * CHUNK_PAGES));
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h, s);
	EXPECT(s[JR_RS_SNAPSHOT_BYTES] > 0 && s[JR_RS_SNAPSHOT_BYTES] < cb / 4); /* chunk 0's bytes, compressed */
	/* Unchanged file: the file first. */
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	EXPECT_EQ(memcmp(p, want, len), 0);
	EXPECT(counter(&e, JR_C_FILE_PAGES) > CHUNK_PAGES);
	EXPECT_EQ(counter(&e, JR_C_FILE_FELL_TO_SNAPSHOT), 0);
	/* The file written: chunk 0's pages from the snapshot, chunk 1's as zeros; never the new bytes. */
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	uint8_t x[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	REQUIRE(pwrite(fd, x, sizeof(x), 3 * ps) == (ssize_t)sizeof(x));
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	uint64_t bad0 = 0, zero1 = 0, other1 = 0;
	for (uint64_t pg = 0; pg < CHUNK_PAGES; pg++)
		bad0 += memcmp(p + pg * ps, want + pg * ps, ps) != 0;
	unsigned char v[CHUNK_PAGES];
	REQUIRE(mincore(p + cb, cb, v) == 0);
	for (uint64_t pg = 0; pg < CHUNK_PAGES; pg++) {
		const uint8_t *got = p + cb + pg * ps;
		int zero = 1;
		for (uint64_t i = 0; i < ps && zero; i++)
			zero = got[i] == 0;
		zero1 += zero;
		other1 += !zero && memcmp(got, want + cb + pg * ps, ps) != 0;
	}
	EXPECT_EQ(bad0, 0);
	EXPECT_EQ(other1, 0);
	EXPECT(zero1 > CHUNK_PAGES / 2);
	EXPECT(counter(&e, JR_C_FILE_FELL_TO_SNAPSHOT) > CHUNK_PAGES / 2);
	EXPECT_EQ(counter(&e, JR_C_FILE_STALE), counter(&e, JR_C_FILE_FELL_TO_SNAPSHOT) + zero1);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	close(fd);
	unlink(path);
	env_stop(&e);
}

/* rebuild:file,throw (JR_FILE_THROW): a page whose file is gone is lost, never zeros: a pin of a span holding it
 * answers JR_PURGED (the kernel's populate fails, nothing is signalled), lock answers JR_PURGED and hands back a
 * zeroed range, detach settles without a touch of a lost page from C; an unchanged file rebuilds as usual. */
static void file_throw_loses_pages(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t cb = CHUNK_PAGES * ps, len = 2 * cb;
	static uint8_t want[2 * CHUNK_PAGES * 4096];
	REQUIRE(len <= sizeof(want));
	fill_random(want, len, 31);
	for (int round = 0; round < 3; round++) { /* 0: unchanged, 1: deleted then lock, 2: deleted then detach */
		char path[64];
		snprintf(path, sizeof(path), "/tmp/jreclaim-e2e-throw-%d-%d", (int)getpid(), round);
		int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
		REQUIRE(fd >= 0 && pwrite(fd, want, len, 0) == (ssize_t)len);
		uint64_t base = 0;
		int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
		REQUIRE(h >= 0);
		EXPECT_EQ(jr_range_set_file_policy(e.svc, h, JR_FILE_THROW), 0);
		uint8_t *p = (uint8_t *)(uintptr_t)base;
		REQUIRE(pread(fd, p, len, 0) == (ssize_t)len);
		EXPECT_EQ(jr_range_provenance(e.svc, h, 0, len, fd, 0), (int)(2 * CHUNK_PAGES));
		close(fd);
		EXPECT_EQ(jr_range_mark(e.svc, h), 0);
		uint64_t s[JR_RS_COUNT];
		stats(&e, h, s);
		EXPECT_EQ(s[JR_RS_KEPT_PAGES], 0); /* random bytes, but the file rebuilds them: nothing left plain */
		if (round > 0)
			REQUIRE(unlink(path) == 0);
		EXPECT_EQ(jr_range_purge(e.svc, h), 0);
		stats(&e, h, s);
		uint64_t dropped = 2 * CHUNK_PAGES - s[JR_RS_RESIDENT_PAGES];
		EXPECT(dropped > CHUNK_PAGES);
		if (round == 0) {
			EXPECT_EQ(jr_range_pin(e.svc, h, 0, len), JR_INTACT);
			EXPECT_EQ(jr_range_unpin(e.svc, h), 0);
			EXPECT_EQ(memcmp(p, want, len), 0);
			EXPECT_EQ(jr_range_lock(e.svc, h), JR_INTACT);
			EXPECT_EQ(jr_range_remove(e.svc, h), 0);
			unlink(path);
			continue;
		}
		uint64_t missing = counter(&e, JR_C_FILE_MISSING);
		EXPECT_EQ(jr_range_pin(e.svc, h, 0, len), JR_PURGED); /* no pin taken */
		EXPECT(counter(&e, JR_C_FILE_MISSING) > missing);
		stats(&e, h, s);
		EXPECT(s[JR_RS_PAGES_POISONED] > 0);
		EXPECT_EQ(s[JR_RS_PAGES_POISONED], s[JR_RS_PURGED_SINCE_MARK]);
		EXPECT_EQ(jr_range_pin(e.svc, h, 0, len), JR_PURGED); /* lost pages stay lost */
		int r = round == 1 ? jr_range_lock(e.svc, h) : (int)jr_range_detach(e.svc, h);
		EXPECT_EQ(r, JR_PURGED);
		uint64_t nonzero = 0;
		for (uint64_t i = 0; i < len; i++) /* a clean zeroed range: no poison left to raise SIGBUS */
			nonzero += p[i] != 0;
		EXPECT_EQ(nonzero, 0);
		if (round == 1)
			EXPECT_EQ(jr_range_remove(e.svc, h), 0);
		else
			munmap(p, len); /* detached: the caller's mapping now */
	}
	env_stop(&e);
}

/* rebuild:file,rebuild:snapshot,throw (JR_FILE_SNAPSHOT | JR_FILE_THROW), page by page once the file changed: a
 * compressible chunk's pages come back from their snapshot, an incompressible one's (no snapshot pays) are lost. */
static void file_snapshot_then_throw(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t cb = CHUNK_PAGES * ps, len = 2 * cb, base = 0;
	static uint8_t want[2 * CHUNK_PAGES * 4096];
	REQUIRE(len <= sizeof(want));
	for (uint64_t i = 0; i < cb; i++)
		want[i] = pattern(i);
	fill_random(want + cb, cb, 41);
	char path[64];
	snprintf(path, sizeof(path), "/tmp/jreclaim-e2e-snapthrow-%d", (int)getpid());
	int fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0600);
	REQUIRE(fd >= 0 && pwrite(fd, want, len, 0) == (ssize_t)len);
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	EXPECT_EQ(jr_range_set_file_policy(e.svc, h, JR_FILE_SNAPSHOT | JR_FILE_THROW), 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	REQUIRE(pread(fd, p, len, 0) == (ssize_t)len);
	EXPECT_EQ(jr_range_provenance(e.svc, h, 0, len, fd, 0), (int)(2 * CHUNK_PAGES));
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	uint8_t x[4] = {9, 9, 9, 9};
	REQUIRE(pwrite(fd, x, sizeof(x), 2 * ps) == (ssize_t)sizeof(x));
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	EXPECT_EQ(jr_range_pin(e.svc, h, 0, cb), JR_INTACT); /* chunk 0: from the snapshot */
	EXPECT_EQ(jr_range_unpin(e.svc, h), 0);
	EXPECT_EQ(memcmp(p, want, cb), 0);
	EXPECT(counter(&e, JR_C_FILE_FELL_TO_SNAPSHOT) > CHUNK_PAGES / 2);
	EXPECT_EQ(jr_range_pin(e.svc, h, cb, cb), JR_PURGED); /* chunk 1: lost */
	uint64_t s[JR_RS_COUNT];
	stats(&e, h, s);
	EXPECT(s[JR_RS_PAGES_POISONED] > 0);
	EXPECT_EQ(jr_range_lock(e.svc, h), JR_PURGED);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	close(fd);
	unlink(path);
	env_stop(&e);
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

/* Writes after the mark (docs/fault-path.md, "Writes after the mark"): the first write to a marked chunk is
 * seen (one WP event), counted per range and in total, and cleared by the next mark; a written page is never
 * rebuilt from the snapshot or the file it came from, and the clean pages beside it still are. */
static uint64_t written_pages(struct env *e, int64_t h)
{
	uint64_t s[JR_RS_COUNT];
	stats(e, h, s);
	EXPECT_EQ((uint64_t)jr_range_written_pages(e->svc, h), s[JR_RS_WRITTEN_PAGES]); /* the idle marker's read */
	return s[JR_RS_WRITTEN_PAGES];
}

static void write_after_mark_is_tracked(void)
{
	struct env e;
	REQUIRE(env_start(&e, 8) == 0);
	uint64_t cb = CHUNK_PAGES * ps, len = 4 * cb, base = 0;
	static uint8_t want[4 * CHUNK_PAGES * 4096];
	REQUIRE(len <= sizeof(want));
	char path[] = "/tmp/jreclaim-written-XXXXXX";
	int fd = mkstemp(path);
	REQUIRE(fd >= 0);
	fill_random(want, len, 99);
	REQUIRE(pwrite(fd, want, len, 0) == (ssize_t)len);
	int64_t h = jr_range_add(e.svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	/* KEEP (the default): chunk 1, written with random bytes, stays plain memory at the next mark. */
		uint8_t *p = (uint8_t *)(uintptr_t)base;
	/* Chunks 0 and 1 from the file (random bytes: no snapshot pays, the file rebuilds them); 2 and 3 a
	 * compressible pattern (the snapshot rebuilds them). */
	REQUIRE(pread(fd, p, 2 * cb, 0) == (ssize_t)(2 * cb));
	EXPECT_EQ(jr_range_provenance(e.svc, h, 0, 2 * cb, fd, 0), (int)(2 * CHUNK_PAGES));
	for (uint64_t i = 2 * cb; i < len; i++)
		p[i] = want[i] = pattern(i);

	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(written_pages(&e, h), 0);
	uint64_t first0 = counter(&e, JR_C_FIRST_WRITES), wp0 = counter(&e, JR_C_WP_EVENTS);
	/* One write into chunk 1 (file) and one into chunk 2 (snapshot): one WP event each, a chunk each. */
	p[cb + 5 * ps + 17] = want[cb + 5 * ps + 17] = 0xa1;
	p[2 * cb + 3 * ps] = want[2 * cb + 3 * ps] = 0xb2;
	EXPECT_EQ(written_pages(&e, h), 2 * CHUNK_PAGES);
	EXPECT_EQ(counter(&e, JR_C_FIRST_WRITES) - first0, 2);
	EXPECT_EQ(counter(&e, JR_C_WP_EVENTS) - wp0, 2);
	/* More writes to the same chunks: no more events (their WP is gone). */
	for (uint64_t q = 0; q < CHUNK_PAGES; q++)
		p[cb + q * ps + 1] = want[cb + q * ps + 1] = (uint8_t)(0xc0 + q);
	EXPECT_EQ(counter(&e, JR_C_WP_EVENTS) - wp0, 2);
	EXPECT_EQ(written_pages(&e, h), 2 * CHUNK_PAGES);

	/* Purge: the written pages stay (dirty), the clean ones go and come back from the file or the snapshot,
	 * never the written pages from their stale source. */
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	uint64_t s[JR_RS_COUNT];
	stats(&e, h, s);
	EXPECT(s[JR_RS_RESIDENT_PAGES] >= CHUNK_PAGES + 1); /* chunk 1 whole, chunk 2's written page */
	EXPECT(s[JR_RS_RESIDENT_PAGES] < 4 * CHUNK_PAGES);  /* the clean pages were dropped */
	uint64_t bad = 0;
	for (uint64_t i = 0; i < len; i++)
		bad += p[i] != want[i];
	EXPECT_EQ(bad, 0);
	/* Reading back the purged chunks 0 and 3 wrote nothing: still two chunks written. */
	EXPECT_EQ(written_pages(&e, h), 2 * CHUNK_PAGES);
	/* A restored chunk keeps its WP: the first write to it after the restore is seen too. */
	p[3 * cb + 2] = want[3 * cb + 2] = 0xd3;
	EXPECT_EQ(written_pages(&e, h), 3 * CHUNK_PAGES);

	/* The next mark captures every write (verifying chunk 1 against the file again: its pages differ now)
	 * and starts afresh. */
	uint64_t unverified0 = counter(&e, JR_C_FILE_UNVERIFIED);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(written_pages(&e, h), 0);
	EXPECT_EQ(counter(&e, JR_C_FILE_UNVERIFIED) - unverified0, CHUNK_PAGES);
	stats(&e, h, s);
	EXPECT_EQ(s[JR_RS_KEPT_PAGES], CHUNK_PAGES);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	bad = 0;
	for (uint64_t i = 0; i < len; i++)
		bad += p[i] != want[i];
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(written_pages(&e, h), 0);
	/* A lock leaves tracking on (the pages stay lazyfree): a write after it still counts. */
	EXPECT_EQ(jr_range_lock(e.svc, h), JR_INTACT);
	p[0] = want[0] = 0xe4;
	EXPECT_EQ(written_pages(&e, h), CHUNK_PAGES);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);

	/* ZERO: a purged page comes back by COPY, write-protected, so a write after the restore counts. */
	h = jr_range_add(e.svc, 2 * cb, JR_SOURCE_ZERO, -1, 0, &base);
	REQUIRE(h >= 0);
	p = (uint8_t *)(uintptr_t)base;
	memset(p, 7, 2 * cb);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	bad = 0;
	for (uint64_t i = 0; i < 2 * cb; i++)
		bad += p[i] != 0 && p[i] != 7; /* a page the purge missed keeps its 7s */
	EXPECT_EQ(bad, 0);
	EXPECT_EQ(written_pages(&e, h), 0);
	p[cb + 9] = 1;
	EXPECT_EQ(written_pages(&e, h), CHUNK_PAGES);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	close(fd);
	unlink(path);
	env_stop(&e);

	/* User-mode-only: the kernel's write into a write-protected page fails (EFAULT), so a pin clears WP on its
	 * span and counts it written first. */
	REQUIRE(env_start_flags(&e, 8, UFFD_USER_MODE_ONLY) == 0);
	h = jr_range_add(e.svc, 2 * cb, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	p = (uint8_t *)(uintptr_t)base;
	for (uint64_t i = 0; i < 2 * cb; i++)
		p[i] = pattern(i);
	EXPECT_EQ(jr_range_mark(e.svc, h), 0);
	int mfd = memfd_create("jr-written", 0);
	REQUIRE(mfd >= 0);
	for (uint64_t i = 0; i < cb; i++)
		want[i] = inverse(i);
	REQUIRE(pwrite(mfd, want, cb, 0) == (ssize_t)cb);
	errno = 0;
	EXPECT(pread(mfd, p, ps, 0) < 0 && errno == EFAULT); /* present, but write-protected */
	EXPECT_EQ(jr_range_pin(e.svc, h, ps, cb - ps), JR_INTACT);
	EXPECT_EQ(written_pages(&e, h), CHUNK_PAGES);
	EXPECT_EQ((int64_t)pread(mfd, p + ps, cb - ps, ps), (int64_t)(cb - ps));
	EXPECT_EQ(jr_range_unpin(e.svc, h), 0);
	EXPECT_EQ(jr_range_purge(e.svc, h), 0);
	bad = 0;
	for (uint64_t i = ps; i < cb; i++)
		bad += p[i] != inverse(i);
	for (uint64_t i = cb; i < 2 * cb; i++)
		bad += p[i] != pattern(i);
	EXPECT_EQ(bad, 0);
	close(mfd);
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
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
	RUN(file_provenance_tail);
	RUN(file_lru_through_service);
	RUN(file_hash_check);
	RUN(file_then_snapshot_per_page);
	RUN(file_throw_loses_pages);
	RUN(file_snapshot_then_throw);
	RUN(constants_table_is_complete);
	RUN(recycled_range_starts_clean);
	RUN(pin_holds_off_mark_and_remove);
	RUN(poison_pin_reports_purged);
	RUN(user_mode_only_pin_serves_system_calls);
	RUN(write_after_mark_is_tracked);
	TEST_EXIT();
}
