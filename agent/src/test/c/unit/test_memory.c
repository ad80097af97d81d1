/*
 * The ranges' memory (range_memory.c) on its own: size classes and their boundaries, many ranges in
 * few mappings (counted in /proc/self/maps), reuse that reads zero, own mappings for large ranges,
 * the index, the mapping budget, registration on a real userfaultfd (adjacent registered slots merge,
 * and the library's estimate follows the kernel's count), destroy leaving handed-over memory, and
 * recycling (a recycled slot reads zero over the whole slot, needs no first-touch fault, is bounded).
 * Built with -DJR_CHECKS.
 */
#define _GNU_SOURCE
#include "../../../main/c/range_memory.h"
#include "../../../main/c/uffd_abi.h"
#include "test.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#define PAGE 4096ull

static int64_t maps_lines(void)
{
	char buf[16384];
	int fd = open("/proc/self/maps", O_RDONLY);
	if (fd < 0)
		return -1;
	int64_t n = 0;
	ssize_t r;
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < r; i++)
			n += buf[i] == '\n';
	close(fd);
	return n;
}

static uint64_t stat_of(struct jr_memory *m, int which)
{
	uint64_t st[JR_MS_COUNT];
	jr_mem_stats(m, st, JR_MS_COUNT);
	return st[which];
}

static int mapped(uint64_t addr)
{
	unsigned char v;
	return mincore((void *)(uintptr_t)addr, PAGE, &v) == 0;
}

/* Each size in pages gets a slot of the smallest class that holds it; above 512 pages, a mapping
 * of its own. Slots of different sizes never overlap. */
static void class_boundaries(void)
{
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	static const uint64_t pages[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 16, 17, 24, 25, 32, 33, 48, 49,
					 64, 65, 96, 97, 128, 129, 192, 193, 256, 257, 384, 385, 512, 513, 1000};
	enum { N = sizeof(pages) / sizeof(pages[0]) };
	uint64_t base[N], slot_stride[N];
	for (int i = 0; i < N; i++) {
		REQUIRE(jr_mem_alloc(&m, pages[i] * PAGE, &base[i]) == 0);
		EXPECT_EQ(base[i] % PAGE, 0);
		memset((void *)(uintptr_t)base[i], 0x5a, pages[i] * PAGE); /* all of it is ours */
		/* a second of the same size comes next to it: the distance is its slot */
		uint64_t b2;
		REQUIRE(jr_mem_alloc(&m, pages[i] * PAGE, &b2) == 0);
		slot_stride[i] = b2 > base[i] ? b2 - base[i] : base[i] - b2;
		jr_mem_free(&m, b2);
	}
	for (int i = 0; i < N; i++) {
		if (pages[i] <= 512) {
			EXPECT(slot_stride[i] >= pages[i] * PAGE);
			EXPECT(slot_stride[i] * 2 <= pages[i] * PAGE * 3); /* at most x1.5: a third of the slot unused */
		}
		for (int j = 0; j < N; j++)
			EXPECT(i == j || base[j] >= base[i] + pages[i] * PAGE || base[i] >= base[j] + pages[j] * PAGE);
	}
	EXPECT_EQ(stat_of(&m, JR_MS_REGIONS), 18 + 2); /* one slab per class, two own mappings */
	for (int i = 0; i < N; i++)
		jr_mem_free(&m, base[i]);
	EXPECT_EQ(stat_of(&m, JR_MS_REGIONS), 18);
	EXPECT_EQ(stat_of(&m, JR_MS_SLOT_BYTES), 0);
	jr_mem_destroy(&m);
}

/* 100,000 ranges of 16 KiB live at once in a few dozen mappings; freed, their memory is gone and
 * the next ranges in the same slots read zero. */
static void many_ranges_few_mappings(void)
{
	enum { N = 100000 };
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	int64_t maps0 = maps_lines();
	uint64_t *base = calloc(N, sizeof(uint64_t));
	REQUIRE(base);
	int failed = 0;
	for (int i = 0; i < N; i++) {
		failed += jr_mem_alloc(&m, 4 * PAGE, &base[i]) != 0;
		((volatile uint64_t *)(uintptr_t)base[i])[0] = (uint64_t)i + 1; /* first and last page touched */
		if (i % 16 == 0)
			((volatile uint64_t *)(uintptr_t)(base[i] + 3 * PAGE))[7] = ~(uint64_t)i;
	}
	EXPECT_EQ(failed, 0);
	int64_t maps1 = maps_lines();
	printf("# 100000 x 16 KiB: %lld mappings more, %llu regions\n", (long long)(maps1 - maps0),
	       (unsigned long long)stat_of(&m, JR_MS_REGIONS));
	EXPECT(maps1 - maps0 < 100);
	uint64_t wrong = 0;
	for (int i = 0; i < N; i++)
		wrong += ((uint64_t *)(uintptr_t)base[i])[0] != (uint64_t)i + 1 ||
			 (i % 16 == 0 && ((uint64_t *)(uintptr_t)(base[i] + 3 * PAGE))[7] != ~(uint64_t)i);
	EXPECT_EQ(wrong, 0);
	for (int i = 0; i < N; i += 2)
		jr_mem_free(&m, base[i]);
	uint64_t zero_wrong = 0, reused = 0;
	for (int i = 0; i < N; i += 2) {
		uint64_t b;
		REQUIRE(jr_mem_alloc(&m, 3 * PAGE + 1 * PAGE, &b) == 0);
		reused += b != base[i];
		for (uint64_t off = 0; off < 4 * PAGE; off += 8)
			zero_wrong += *(uint64_t *)(uintptr_t)(b + off) != 0;
		base[i] = b;
	}
	EXPECT_EQ(zero_wrong, 0);
	printf("# reuse: %llu of %d slots came back at another address\n", (unsigned long long)reused, N / 2);
	EXPECT_EQ(maps_lines() - maps1, 0); /* reuse needs no mapping */
	for (int i = 0; i < N; i++)
		jr_mem_free(&m, base[i]);
	EXPECT_EQ(stat_of(&m, JR_MS_SLOT_BYTES), 0);
	free(base);
	jr_mem_destroy(&m);
	EXPECT(maps_lines() <= maps0);
}

/* A freed slot is the next one taken (LIFO, warm), and its memory went back to the kernel. */
static void reuse_zero_and_released(void)
{
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	uint64_t a, b, c;
	REQUIRE(jr_mem_alloc(&m, 8 * PAGE, &a) == 0);
	REQUIRE(jr_mem_alloc(&m, 8 * PAGE, &b) == 0);
	memset((void *)(uintptr_t)a, 0xff, 8 * PAGE);
	unsigned char vec[8];
	REQUIRE(mincore((void *)(uintptr_t)a, 8 * PAGE, vec) == 0);
	EXPECT_EQ(vec[0] & vec[7] & 1, 1);
	jr_mem_free(&m, a);
	REQUIRE(mincore((void *)(uintptr_t)a, 8 * PAGE, vec) == 0);
	int res = 0;
	for (int i = 0; i < 8; i++)
		res += vec[i] & 1;
	EXPECT_EQ(res, 0);
	REQUIRE(jr_mem_alloc(&m, 7 * PAGE, &c) == 0); /* same class (8 pages) */
	EXPECT_EQ(c, a);
	uint64_t nz = 0;
	for (uint64_t off = 0; off < 8 * PAGE; off++)
		nz += *(unsigned char *)(uintptr_t)(c + off) != 0;
	EXPECT_EQ(nz, 0);
	jr_mem_free(&m, b);
	jr_mem_free(&m, c);
	jr_mem_destroy(&m);
}

/* Above the largest class: a mapping of its own, unmapped at free. */
static void huge_ranges_own_mapping(void)
{
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	int64_t maps0 = maps_lines();
	uint64_t reserved0 = stat_of(&m, JR_MS_RESERVED_BYTES);
	uint64_t len = 3 * 1024 * 1024 + 5 * PAGE, a;
	REQUIRE(jr_mem_alloc(&m, len, &a) == 0);
	EXPECT_EQ(stat_of(&m, JR_MS_RESERVED_BYTES) - reserved0, len);
	memset((void *)(uintptr_t)a, 1, len);
	EXPECT_EQ(jr_mem_set_owner(&m, a, len, 7), 0);
	EXPECT_EQ(jr_mem_lookup(&m, a), 7);
	EXPECT_EQ(jr_mem_lookup(&m, a + len - 1), 7);
	EXPECT_EQ(jr_mem_set_owner(&m, a, len + PAGE, 8), -EEXIST); /* longer than its slot */
	jr_mem_clear_owner(&m, a, 7);
	EXPECT_EQ(jr_mem_lookup(&m, a), JR_MEM_HELD);
	jr_mem_free(&m, a);
	EXPECT(!mapped(a) || jr_mem_lookup(&m, a) == JR_MEM_FREE);
	EXPECT_EQ(jr_mem_lookup(&m, a), JR_MEM_FREE);
	EXPECT_EQ(stat_of(&m, JR_MS_RESERVED_BYTES), reserved0);
	EXPECT(maps_lines() <= maps0);
	/* ids are reused: many come and go without growing anything */
	for (int i = 0; i < 1000; i++) {
		REQUIRE(jr_mem_alloc(&m, len, &a) == 0);
		jr_mem_free(&m, a);
	}
	EXPECT(maps_lines() <= maps0);
	EXPECT_EQ(stat_of(&m, JR_MS_REGIONS), 0);
	jr_mem_destroy(&m);
}

/* Lookups: each address of a slot names its owner; free slots, held slots and other memory none. */
static void index_lookups(void)
{
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	uint64_t a, b;
	REQUIRE(jr_mem_alloc(&m, 2 * PAGE, &a) == 0);
	REQUIRE(jr_mem_alloc(&m, 2 * PAGE, &b) == 0);
	EXPECT_EQ(jr_mem_lookup(&m, a), JR_MEM_HELD);
	EXPECT_EQ(jr_mem_set_owner(&m, a, 2 * PAGE, 3), 0);
	EXPECT_EQ(jr_mem_set_owner(&m, a, 2 * PAGE, 4), -EEXIST); /* taken */
	EXPECT_EQ(jr_mem_set_owner(&m, a + PAGE, PAGE, 4), -EEXIST); /* not a slot's start */
	EXPECT_EQ(jr_mem_set_owner(&m, b, 2 * PAGE, 4), 0);
	EXPECT_EQ(jr_mem_lookup(&m, a + 2 * PAGE - 1), 3);
	EXPECT_EQ(jr_mem_lookup(&m, b), 4);
	EXPECT_EQ(jr_mem_lookup(&m, b + 2 * PAGE), JR_MEM_FREE); /* never used */
	EXPECT_EQ(jr_mem_lookup(&m, (uint64_t)(uintptr_t)&m), JR_MEM_FREE); /* not ours */
	EXPECT_EQ(jr_mem_lookup(&m, 1ull << 60), JR_MEM_FREE);
	jr_mem_clear_owner(&m, a, 4); /* not its owner: no-op */
	EXPECT_EQ(jr_mem_lookup(&m, a), 3);
	jr_mem_clear_owner(&m, a, 3);
	jr_mem_clear_owner(&m, b, 4);
	jr_mem_free(&m, a);
	EXPECT_EQ(jr_mem_lookup(&m, a), JR_MEM_FREE);
	jr_mem_free(&m, b);
	jr_mem_destroy(&m);
}

/* Past the budget no new mapping is made (-EMFILE, counted); slots of existing slabs stay available. */
static void mapping_budget(void)
{
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	EXPECT_EQ(stat_of(&m, JR_MS_MAP_LIMIT), stat_of(&m, JR_MS_MAX_MAP_COUNT) * JR_MAP_RESERVE_PERCENT / 100);
	uint64_t a, b, c;
	REQUIRE(jr_mem_alloc(&m, PAGE, &a) == 0); /* a slab of the 1-page class */
	jr_mem_set_map_limit(&m, maps_lines());   /* counts again: no room for one more */
	EXPECT_EQ(jr_mem_alloc(&m, 2 * PAGE, &b), -EMFILE); /* a new slab */
	EXPECT_EQ(jr_mem_alloc(&m, 1024 * PAGE, &b), -EMFILE); /* an own mapping */
	EXPECT_EQ(stat_of(&m, JR_MS_ALLOC_REFUSED_MAPS), 2);
	EXPECT_EQ(jr_mem_alloc(&m, PAGE, &c), 0); /* the slab has room */
	jr_mem_set_map_limit(&m, 0);
	EXPECT_EQ(jr_mem_alloc(&m, 2 * PAGE, &b), 0);
	jr_mem_free(&m, a);
	jr_mem_free(&m, b);
	jr_mem_free(&m, c);
	jr_mem_destroy(&m);
}

static int open_uffd(void)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return -1;
	struct uffdio_api api = {.api = UFFD_API, .features = 0};
	if (ioctl(fd, UFFDIO_API, &api) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Registering adjacent slots merges them into one mapping; alternate ones split it, and the library's
 * estimate follows the kernel's count; unregistering merges back; a registration that would split
 * past the budget is refused and counted. */
static void registration_merges_and_is_counted(void)
{
	enum { N = 2000 };
	int uffd = open_uffd();
	if (uffd < 0) {
		printf("# no userfaultfd here (%s): registration not tested\n", strerror(errno));
		EXPECT(0);
		return;
	}
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	static uint64_t base[N];
	for (int i = 0; i < N; i++)
		REQUIRE(jr_mem_alloc(&m, 5 * PAGE, &base[i]) == 0); /* 6-page slots: the tail is registered too */
	int64_t maps0 = maps_lines();
	jr_mem_set_map_limit(&m, 0); /* a fresh count */
	int64_t est0 = (int64_t)stat_of(&m, JR_MS_MAPS);
	for (int i = 0; i < N; i++)
		EXPECT_EQ(jr_mem_register(&m, uffd, base[i], 5 * PAGE, 0), 0);
	int64_t all = maps_lines() - maps0;
	printf("# %d adjacent registered slots: %lld mappings more\n", N, (long long)all);
	EXPECT(all <= 2);
	for (int i = 0; i < N; i += 2)
		EXPECT_EQ(jr_mem_unregister(&m, uffd, base[i], 5 * PAGE), 0);
	int64_t alt = maps_lines() - maps0, est = (int64_t)stat_of(&m, JR_MS_MAPS) - est0;
	printf("# every other one unregistered: %lld mappings more, %lld estimated\n", (long long)alt, (long long)est);
	EXPECT(alt >= N - 2);
	EXPECT(est >= alt && est <= alt + 4);
	for (int i = 1; i < N; i += 2)
		EXPECT_EQ(jr_mem_unregister(&m, uffd, base[i], 5 * PAGE), 0);
	EXPECT(maps_lines() - maps0 <= 0);
	/* No room for a split: refused, counted, the slot stays unregistered. */
	jr_mem_set_map_limit(&m, maps_lines());
	EXPECT_EQ(jr_mem_register(&m, uffd, base[N / 2], 5 * PAGE, 0), -EMFILE);
	EXPECT_EQ(stat_of(&m, JR_MS_REGISTER_REFUSED), 1);
	EXPECT_EQ(jr_mem_unregister(&m, uffd, base[N / 2], 5 * PAGE), -EINVAL); /* was never registered */
	for (int i = 0; i < N; i++)
		jr_mem_free(&m, base[i]);
	jr_mem_destroy(&m);
	close(uffd);
}

/* Destroy unmaps what no range holds and leaves handed-over (and live) memory to its owner. */
static void destroy_leaves_handed_over(void)
{
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	uint64_t a, b, c, big;
	REQUIRE(jr_mem_alloc(&m, 3 * PAGE, &a) == 0); /* a 4-page slot */
	REQUIRE(jr_mem_alloc(&m, 3 * PAGE, &b) == 0);
	REQUIRE(jr_mem_alloc(&m, 3 * PAGE, &c) == 0);
	REQUIRE(jr_mem_alloc(&m, 600 * PAGE, &big) == 0);
	memset((void *)(uintptr_t)a, 0x11, 3 * PAGE);
	jr_mem_hand_over(&m, a, 3 * PAGE);
	jr_mem_hand_over(&m, big, 600 * PAGE);
	jr_mem_free(&m, b);
	/* c stays held: a range still live at stop keeps its memory */
	jr_mem_destroy(&m);
	EXPECT(mapped(a) && mapped(a + 2 * PAGE));
	EXPECT(!mapped(a + 3 * PAGE)); /* the slot's tail, which nobody owns */
	EXPECT(!mapped(b));
	EXPECT(mapped(c));
	EXPECT(mapped(big) && mapped(big + 599 * PAGE));
	EXPECT_EQ(*(unsigned char *)(uintptr_t)(a + 3 * PAGE - 1), 0x11);
	munmap((void *)(uintptr_t)a, 3 * PAGE);
	munmap((void *)(uintptr_t)c, 4 * PAGE);
	munmap((void *)(uintptr_t)big, 600 * PAGE);
}


static int64_t minor_faults(void)
{
	struct rusage u;
	getrusage(RUSAGE_SELF, &u);
	return u.ru_minflt;
}

static uint64_t resident_pages(uint64_t base, uint64_t pages)
{
	unsigned char vec[512];
	if (pages > sizeof(vec) || mincore((void *)(uintptr_t)base, pages * PAGE, vec) != 0)
		return UINT64_MAX;
	uint64_t n = 0;
	for (uint64_t i = 0; i < pages; i++)
		n += vec[i] & 1;
	return n;
}

/* A recycled 1 MiB slot comes back to the next 1 MiB allocation zeroed and with its pages still there:
 * writing all of it takes (almost) no page fault, where a fresh slot takes one per page. Counted as
 * recycled bytes until taken. */
static void recycled_slot_reads_zero_without_faults(void)
{
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	jr_mem_set_recycle_max(&m, 4 << 20);
	uint64_t a, b;
	REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &a) == 0);
	int64_t f0 = minor_faults();
	memset((void *)(uintptr_t)a, 0xab, 256 * PAGE);
	int64_t fresh_faults = minor_faults() - f0;
	EXPECT_EQ(jr_mem_recycle(&m, a, 256 * PAGE), 1);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLED_BYTES), 256 * PAGE);
	EXPECT_EQ(stat_of(&m, JR_MS_SLOT_BYTES), 0);
	EXPECT_EQ(jr_mem_owner_at(&m, a), JR_MEM_FREE);
	uint64_t kept = resident_pages(a, 256);
	REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &b) == 0); /* check builds also read all of it: zero */
	EXPECT_EQ(b, a);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLE_HITS), 1);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLED_BYTES), 0);
	EXPECT_EQ(stat_of(&m, JR_MS_SLOT_BYTES), 256 * PAGE);
	uint64_t nz = 0;
	for (uint64_t off = 0; off < 256 * PAGE; off += 8)
		nz += *(uint64_t *)(uintptr_t)(b + off) != 0;
	EXPECT_EQ(nz, 0);
	f0 = minor_faults();
	memset((void *)(uintptr_t)b, 0xcd, 256 * PAGE);
	int64_t reuse_faults = minor_faults() - f0;
	printf("# 1 MiB: %lld faults writing a fresh slot, %lld writing a recycled one (%llu of 256 pages kept)\n",
	       (long long)fresh_faults, (long long)reuse_faults, (unsigned long long)kept);
	EXPECT(fresh_faults >= 200);
	EXPECT(reuse_faults <= 256 - (int64_t)kept + 8); /* only pages the kernel dropped meanwhile fault */
	/* A range that touched 10 of its 256 pages: only those are kept (and counted); the rest stay absent. */
	memset((void *)(uintptr_t)b, 0, 256 * PAGE);
	REQUIRE(jr_mem_recycle(&m, b, 256 * PAGE) == 1);
	REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &b) == 0); /* warm, all 256 pages present */
	jr_mem_free(&m, b);                             /* MADV_DONTNEED: absent */
	REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &b) == 0);
	memset((void *)(uintptr_t)b, 0x11, 10 * PAGE);
	EXPECT_EQ(jr_mem_recycle(&m, b, 256 * PAGE), 1);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLED_BYTES), 10 * PAGE);
	EXPECT(resident_pages(b, 256) <= 10);
	REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &b) == 0);
	jr_mem_free(&m, b);
	jr_mem_destroy(&m);
}

/* A range shorter than its slot (5 pages in a 6-page slot) that wrote past its end: the next range of
 * the class, 6 pages, reads zero everywhere; the tail is not kept. */
static void recycled_tail_reads_zero(void)
{
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	jr_mem_set_recycle_max(&m, 1 << 20);
	uint64_t a, b;
	REQUIRE(jr_mem_alloc(&m, 5 * PAGE, &a) == 0);
	memset((void *)(uintptr_t)a, 0x77, 6 * PAGE); /* one page past the range: the slot's tail */
	EXPECT_EQ(jr_mem_recycle(&m, a, 5 * PAGE), 1);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLED_BYTES), 5 * PAGE);
	EXPECT_EQ(resident_pages(a + 5 * PAGE, 1), 0);
	REQUIRE(jr_mem_alloc(&m, 6 * PAGE, &b) == 0);
	EXPECT_EQ(b, a);
	uint64_t nz = 0;
	for (uint64_t off = 0; off < 6 * PAGE; off++)
		nz += *(unsigned char *)(uintptr_t)(b + off) != 0;
	EXPECT_EQ(nz, 0);
	jr_mem_free(&m, b);
	jr_mem_destroy(&m);
}

/* At most recycle_max bytes are kept: past it, and with 0, a slot's memory goes back to the kernel as
 * before; a range with a mapping of its own is unmapped; destroy unmaps recycled slots. */
static void recycling_is_bounded(void)
{
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	uint64_t a[3], own, x;
	REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &x) == 0);
	memset((void *)(uintptr_t)x, 1, 256 * PAGE);
	EXPECT_EQ(jr_mem_recycle(&m, x, 256 * PAGE), 0); /* jr_mem_init's bound is 0 */
	EXPECT_EQ(resident_pages(x, 256), 0);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLED_BYTES), 0);
	jr_mem_set_recycle_max(&m, 2 * 256 * PAGE);
	for (int i = 0; i < 3; i++) {
		REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &a[i]) == 0);
		memset((void *)(uintptr_t)a[i], 2, 256 * PAGE);
	}
	EXPECT_EQ(jr_mem_recycle(&m, a[0], 256 * PAGE), 1);
	EXPECT_EQ(jr_mem_recycle(&m, a[1], 256 * PAGE), 1);
	EXPECT_EQ(jr_mem_recycle(&m, a[2], 256 * PAGE), 0);
	EXPECT_EQ(resident_pages(a[2], 256), 0);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLED_BYTES), 2 * 256 * PAGE);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLE_REFUSED), 1);
	REQUIRE(jr_mem_alloc(&m, 600 * PAGE, &own) == 0);
	int64_t regions = (int64_t)stat_of(&m, JR_MS_REGIONS);
	EXPECT_EQ(jr_mem_recycle(&m, own, 600 * PAGE), 0);
	EXPECT_EQ((int64_t)stat_of(&m, JR_MS_REGIONS), regions - 1);
	EXPECT(!mapped(own));
	/* the last recycled comes back first, then the other, then a slot never used */
	uint64_t b0, b1, b2;
	REQUIRE(jr_mem_alloc(&m, 200 * PAGE, &b0) == 0);
	REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &b1) == 0);
	REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &b2) == 0);
	EXPECT_EQ(b0, a[1]);
	EXPECT_EQ(b1, a[0]);
	EXPECT(b2 != a[0] && b2 != a[1]);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLE_HITS), 2);
	EXPECT_EQ(jr_mem_recycle(&m, b0, 200 * PAGE), 1);
	jr_mem_free(&m, b1);
	jr_mem_free(&m, b2);
	jr_mem_destroy(&m);
	EXPECT(!mapped(b0)); /* a recycled slot is the library's: unmapped with the rest */
}

/* The first 4 MiB recycled stay ordinary memory (hot), the rest are MADV_FREE'd: the kernel may drop
 * them (MADV_PAGEOUT here, as pressure would), and a dropped page of a recycled slot reads zero. */
static void recycled_beyond_hot_are_droppable(void)
{
	struct jr_memory m;
	REQUIRE(jr_mem_init(&m) == 0);
	jr_mem_set_recycle_max(&m, 16 << 20);
	enum { N = 6 };
	uint64_t a[N];
	for (int i = 0; i < N; i++) {
		REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &a[i]) == 0);
		memset((void *)(uintptr_t)a[i], 0x40 + i, 256 * PAGE);
	}
	for (int i = 0; i < N; i++)
		EXPECT_EQ(jr_mem_recycle(&m, a[i], 256 * PAGE), 1);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLED_BYTES), N * 256 * PAGE);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLED_HOT_BYTES), 4 << 20);
	/* a[4] and a[5] are lazyfree: drop them */
	for (int i = 4; i < N; i++)
		EXPECT_EQ(madvise((void *)(uintptr_t)a[i], 256 * PAGE, MADV_PAGEOUT), 0);
	uint64_t dropped = 256 * 2 - resident_pages(a[4], 256) - resident_pages(a[5], 256);
	printf("# %llu of 512 lazyfree recycled pages dropped by MADV_PAGEOUT\n", (unsigned long long)dropped);
	EXPECT(dropped > 0);
	EXPECT_EQ(resident_pages(a[0], 256), 256); /* hot: ordinary memory, not dropped */
	uint64_t nz = 0, b[N];
	for (int i = 0; i < N; i++) {
		REQUIRE(jr_mem_alloc(&m, 256 * PAGE, &b[i]) == 0); /* check builds read each whole slot: zero */
		for (uint64_t off = 0; off < 256 * PAGE; off += 8)
			nz += *(uint64_t *)(uintptr_t)(b[i] + off) != 0;
	}
	EXPECT_EQ(nz, 0);
	EXPECT_EQ(b[0], a[5]);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLED_BYTES), 0);
	EXPECT_EQ(stat_of(&m, JR_MS_RECYCLED_HOT_BYTES), 0);
	for (int i = 0; i < N; i++)
		jr_mem_free(&m, b[i]);
	jr_mem_destroy(&m);
}

int main(void)
{
	RUN(class_boundaries);
	RUN(many_ranges_few_mappings);
	RUN(reuse_zero_and_released);
	RUN(huge_ranges_own_mapping);
	RUN(index_lookups);
	RUN(mapping_budget);
	RUN(registration_merges_and_is_counted);
	RUN(destroy_leaves_handed_over);
	RUN(recycled_slot_reads_zero_without_faults);
	RUN(recycled_tail_reads_zero);
	RUN(recycling_is_bounded);
	RUN(recycled_beyond_hot_are_droppable);
	TEST_EXIT();
}
