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
static int open_uffd(void)
{
	int fd = (int)syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
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

struct env {
	int uffd;
	struct jr_service *svc;
};

static int env_start(struct env *e, uint32_t capacity)
{
	e->uffd = open_uffd();
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

static void env_stop(struct env *e)
{
	EXPECT_EQ(jr_service_live_ranges(e->svc), 0);
	EXPECT_EQ(jr_service_stop(e->svc), 0);
	close(e->uffd);
}

static uint8_t pattern(uint64_t i) { return (uint8_t)(i * 131 + (i >> 12) * 7 + 1); }

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
	EXPECT_EQ(jr_range_remove(e.svc, h), 0);
	EXPECT(!mapped(base, len));
	EXPECT_EQ(jr_range_remove(e.svc, h), -EBADF);
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
	EXPECT_EQ(jr_range_pin(e.svc, h, 0, ps), -EINVAL);
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

int main(void)
{
	ps = (uint64_t)sysconf(_SC_PAGESIZE);
	RUN(snapshot_round_trip);
	RUN(zero_round_trip);
	RUN(file_round_trip);
	RUN(poison_lock_reports_purged);
	RUN(add_failures_and_registration);
	RUN(snapshot_only_where_it_pays);
	RUN(constants_table_is_complete);
	TEST_EXIT();
}
