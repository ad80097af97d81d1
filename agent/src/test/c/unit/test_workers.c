/*
 * The fault service's workers under concurrency, on a real userfaultfd (root): many threads fault
 * different and the same ranges (SNAPSHOT and FILE) at once, forward, backward and in random order,
 * while others write, a marker re-marks and a purger drops the pages again; every byte must be right
 * and no write lost. Run with several worker counts, with and without sequential prefetch
 * (fault_service.c, "Workers" and "Sequential prefetch").
 */
#define _GNU_SOURCE
#include "../../../main/c/jreclaim.h"
#include "../../../main/c/uffd_abi.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define CHUNK_PAGES 16
#define NSNAP 4
#define NFILE 2
#define NRANGES (NSNAP + NFILE)
#define RANGE_PAGES 1024 /* 4 MiB */
#define READERS 6
#define WRITERS 2

static uint64_t ps;

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

static uint8_t pattern(uint64_t r, uint64_t i) { return (uint8_t)(i * 131 + (i >> 12) * 7 + r * 29 + 1); }

struct world {
	struct jr_service *svc;
	int64_t h[NRANGES];
	uint8_t *p[NRANGES];
	uint8_t *expect[NRANGES]; /* what each byte must be; a writer owns the words it writes */
	uint64_t len;
	volatile int stop;
	uint64_t bad; /* atomic */
};

/* Every byte of the page but its first word, which the writers change: compared with what it must be. */
static uint64_t check_page(struct world *w, int r, uint64_t page)
{
	const uint8_t *a = w->p[r] + page * ps, *b = w->expect[r] + page * ps;
	return memcmp(a + 8, b + 8, ps - 8) != 0;
}

struct reader_arg {
	struct world *w;
	int id;
};

static void *reader(void *arg)
{
	struct reader_arg *ra = arg;
	struct world *w = ra->w;
	uint64_t npages = w->len / ps, rng = 0x9e3779b97f4a7c15ull * (uint64_t)(ra->id + 1), bad = 0;
	for (int pass = 0; pass < 4 && !w->stop; pass++) {
		for (int k = 0; k < NRANGES; k++) {
			int r = (k + ra->id) % NRANGES; /* threads start on different ranges and meet on each */
			for (uint64_t i = 0; i < npages; i++) {
				uint64_t page;
				if (ra->id % 3 == 0)
					page = i; /* forward: the prefetch's case */
				else if (ra->id % 3 == 1)
					page = npages - 1 - i;
				else {
					rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
					page = rng % npages;
				}
				bad += check_page(w, r, page);
			}
		}
	}
	__atomic_add_fetch(&w->bad, bad, __ATOMIC_RELAXED);
	return NULL;
}

struct writer_arg {
	struct world *w;
	int id;
};

/* Writes the first word of every page of its stripe of the SNAPSHOT ranges, again and again. */
static void *writer(void *arg)
{
	struct writer_arg *wa = arg;
	struct world *w = wa->w;
	uint64_t npages = w->len / ps;
	for (uint64_t v = 1; v <= 6 && !w->stop; v++)
		for (int r = 0; r < NSNAP; r++)
			for (uint64_t page = (uint64_t)wa->id; page < npages; page += WRITERS) {
				uint64_t val = (v << 48) | ((uint64_t)r << 32) | page;
				memcpy(w->expect[r] + page * ps, &val, 8);
				__atomic_store_n((uint64_t *)(void *)(w->p[r] + page * ps), val, __ATOMIC_RELAXED);
			}
	return NULL;
}

/* Drops the pages again and re-marks, while the others fault. */
static void *churn(void *arg)
{
	struct world *w = arg;
	for (int i = 0; i < 12 && !w->stop; i++) {
		int r = i % NRANGES;
		if (i % 3 == 2) {
			int m = jr_range_mark(w->svc, w->h[r]);
			if (m != 0) {
				fprintf(stderr, "mark of range %d: %d\n", r, m);
				__atomic_add_fetch(&w->bad, 1, __ATOMIC_RELAXED);
			}
		}
		jr_range_purge(w->svc, w->h[r]);
		usleep(2000);
	}
	return NULL;
}

static uint64_t counter(struct jr_service *svc, int c)
{
	uint64_t v[JR_C_COUNT];
	EXPECT_EQ(jr_service_counters(svc, v, JR_C_COUNT), JR_C_COUNT);
	return v[c];
}

static void run_config(uint32_t flags, int expect_prefetch)
{
	struct world w;
	memset(&w, 0, sizeof(w));
	w.len = RANGE_PAGES * ps;
	int uffd = open_uffd();
	REQUIRE(uffd >= 0);
	REQUIRE(jr_service_start(uffd, JR_SVC_WP | flags, 16, CHUNK_PAGES, &w.svc) == 0);
	for (int r = 0; r < NRANGES; r++) {
		w.expect[r] = malloc(w.len);
		REQUIRE(w.expect[r]);
		for (uint64_t i = 0; i < w.len; i++)
			w.expect[r][i] = pattern((uint64_t)r, i);
		int fd = -1;
		if (r >= NSNAP) {
			fd = memfd_create("jr-workers", MFD_CLOEXEC);
			REQUIRE(fd >= 0);
			REQUIRE(write(fd, w.expect[r], w.len) == (ssize_t)w.len);
		}
		uint64_t base = 0;
		w.h[r] = jr_range_add(w.svc, w.len, r < NSNAP ? JR_SOURCE_SNAPSHOT : JR_SOURCE_FILE, fd, 0, &base);
		REQUIRE(w.h[r] >= 0);
		w.p[r] = (uint8_t *)(uintptr_t)base;
		memcpy(w.p[r], w.expect[r], w.len);
		EXPECT_EQ(jr_range_mark(w.svc, w.h[r]), 0);
		EXPECT_EQ(jr_range_purge(w.svc, w.h[r]), 0);
	}

	pthread_t rt[READERS], wt[WRITERS], ct;
	struct reader_arg ra[READERS];
	struct writer_arg wa[WRITERS];
	for (int i = 0; i < READERS; i++) {
		ra[i] = (struct reader_arg){&w, i};
		REQUIRE(pthread_create(&rt[i], NULL, reader, &ra[i]) == 0);
	}
	for (int i = 0; i < WRITERS; i++) {
		wa[i] = (struct writer_arg){&w, i};
		REQUIRE(pthread_create(&wt[i], NULL, writer, &wa[i]) == 0);
	}
	REQUIRE(pthread_create(&ct, NULL, churn, &w) == 0);
	for (int i = 0; i < WRITERS; i++)
		pthread_join(wt[i], NULL);
	pthread_join(ct, NULL);
	for (int i = 0; i < READERS; i++)
		pthread_join(rt[i], NULL);
	EXPECT_EQ(w.bad, 0);

	/* Every write kept, every other byte its source's: once as they are, once more after a mark and a purge. */
	for (int round = 0; round < 2; round++) {
		uint64_t wrong = 0;
		for (int r = 0; r < NRANGES; r++) {
			if (round == 1) {
				EXPECT_EQ(jr_range_mark(w.svc, w.h[r]), 0);
				EXPECT_EQ(jr_range_purge(w.svc, w.h[r]), 0);
			}
			wrong += memcmp(w.p[r], w.expect[r], w.len) != 0;
		}
		EXPECT_EQ(wrong, 0);
	}
	EXPECT_EQ(counter(w.svc, JR_C_INSTALL_ERRORS), 0);
	EXPECT_EQ(counter(w.svc, JR_C_REBUILD_FAILURES), 0);
	uint64_t faults = counter(w.svc, JR_C_EVENTS), pre = counter(w.svc, JR_C_PREFETCHED_PAGES);
	printf("# flags 0x%x: %llu faults, %llu pages prefetched, %llu races\n", flags, (unsigned long long)faults,
	       (unsigned long long)pre, (unsigned long long)counter(w.svc, JR_C_RACES));
	EXPECT(faults > 0);
	if (expect_prefetch)
		EXPECT(pre > 0);
	else
		EXPECT_EQ(pre, 0);
	uint64_t hist[JR_HIST_BUCKETS], n = 0;
	EXPECT_EQ(jr_service_histogram(w.svc, hist, JR_HIST_BUCKETS), JR_HIST_BUCKETS);
	for (int i = 0; i < JR_HIST_BUCKETS; i++)
		n += hist[i];
	/* every MISSING event answered from a range is timed once (events of no range are not) */
	EXPECT(n > 0 && n <= faults);
	for (int r = 0; r < NRANGES; r++) {
		EXPECT_EQ(jr_range_remove(w.svc, w.h[r]), 0);
		free(w.expect[r]);
	}
	EXPECT_EQ(jr_service_stop(w.svc), 0);
	close(uffd);
}

static void concurrent_faults_default_workers(void) { run_config(0, 1); }
static void concurrent_faults_one_reader(void) { run_config(1u << JR_SVC_WORKERS_SHIFT, 1); }
static void concurrent_faults_six_readers_no_prefetch(void)
{
	run_config((6u << JR_SVC_WORKERS_SHIFT) | JR_SVC_NO_PREFETCH, 0);
}

/* A sequential pass: the pages come back mostly ahead of the reader, each byte right. */
static void sequential_pass_is_prefetched(void)
{
	int uffd = open_uffd();
	REQUIRE(uffd >= 0);
	struct jr_service *svc;
	REQUIRE(jr_service_start(uffd, JR_SVC_WP, 4, CHUNK_PAGES, &svc) == 0);
	uint64_t len = 2048 * ps, base = 0;
	int64_t h = jr_range_add(svc, len, JR_SOURCE_SNAPSHOT, -1, 0, &base);
	REQUIRE(h >= 0);
	uint8_t *p = (uint8_t *)(uintptr_t)base;
	for (uint64_t i = 0; i < len; i++)
		p[i] = pattern(9, i);
	EXPECT_EQ(jr_range_mark(svc, h), 0);
	EXPECT_EQ(jr_range_purge(svc, h), 0);
	uint64_t bad = 0;
	for (uint64_t i = 0; i < len; i++)
		bad += p[i] != pattern(9, i);
	EXPECT_EQ(bad, 0);
	uint64_t pre = counter(svc, JR_C_PREFETCHED_PAGES), pages = counter(svc, JR_C_SRC_PAGES(JR_SOURCE_SNAPSHOT));
	printf("# sequential pass: %llu of %llu pages prefetched, %llu faults\n", (unsigned long long)pre,
	       (unsigned long long)pages, (unsigned long long)counter(svc, JR_C_EVENTS));
	EXPECT(pre > 0 && pre <= pages);
	/* prefetched pages are MADV_FREE'd like the others: a purge drops them again */
	EXPECT_EQ(jr_range_purge(svc, h), 0);
	uint64_t s[JR_RS_COUNT];
	EXPECT_EQ(jr_range_stats(svc, h, s, JR_RS_COUNT), JR_RS_COUNT);
	EXPECT(s[JR_RS_RESIDENT_PAGES] < len / ps / 2);
	EXPECT_EQ(jr_range_remove(svc, h), 0);
	EXPECT_EQ(jr_service_stop(svc), 0);
	close(uffd);
}

int main(void)
{
	ps = (uint64_t)sysconf(_SC_PAGESIZE);
	RUN(sequential_pass_is_prefetched);
	RUN(concurrent_faults_default_workers);
	RUN(concurrent_faults_one_reader);
	RUN(concurrent_faults_six_readers_no_prefetch);
	TEST_EXIT();
}
