/* measure-write-tracking.c (not a test; docs/fault-path.md, "Writes after the mark"): the cost of the first write to
 * a page after its mark, tracked (a) by synchronous userfaultfd write-protect (a WP fault answered by a thread,
 * which clears WP on the chunk) and (b) by UFFD_FEATURE_WP_ASYNC (the kernel clears WP) plus PAGEMAP_SCAN.
 * Needs root (or vm.unprivileged_userfaultfd=1). Build: gcc -O2 -pthread -o m m.c; run: ./m [MiB] */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* include/uapi/linux/userfaultfd.h (Linux 6.7) */
#ifndef UFFD_FEATURE_WP_UNPOPULATED
#define UFFD_FEATURE_WP_UNPOPULATED (1 << 13)
#endif
#ifndef UFFD_FEATURE_WP_ASYNC
#define UFFD_FEATURE_WP_ASYNC (1 << 15)
#endif
/* include/uapi/linux/fs.h (Linux 6.7) */
#ifndef PAGEMAP_SCAN
#define PAGE_IS_WPALLOWED (1 << 0)
#define PAGE_IS_WRITTEN (1 << 1)
#define PAGE_IS_PRESENT (1 << 3)
struct page_region { uint64_t start, end, categories; };
#define PM_SCAN_WP_MATCHING (1 << 0)
#define PM_SCAN_CHECK_WPASYNC (1 << 1)
struct pm_scan_arg {
	uint64_t size, flags, start, end, walk_end, vec, vec_len, max_pages, category_inverted, category_mask,
		category_anyof_mask, return_mask;
};
#define PAGEMAP_SCAN _IOWR('f', 16, struct pm_scan_arg)
#endif

static uint64_t now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec * 1000000000ull + t.tv_nsec; }
static long ps;
static int uffd_open(uint64_t features)
{
	int fd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (fd < 0) { perror("userfaultfd"); exit(1); }
	struct uffdio_api api = {.api = UFFD_API, .features = features};
	if (ioctl(fd, UFFDIO_API, &api)) { fprintf(stderr, "UFFDIO_API features 0x%llx: %s\n", (unsigned long long)features, strerror(errno)); exit(2); }
	return fd;
}
static void reg(int fd, char *p, size_t len)
{
	struct uffdio_register r = {.range = {(uintptr_t)p, len}, .mode = UFFDIO_REGISTER_MODE_MISSING | UFFDIO_REGISTER_MODE_WP};
	if (ioctl(fd, UFFDIO_REGISTER, &r)) { perror("register"); exit(1); }
}
static void wp(int fd, char *p, size_t len, int on)
{
	struct uffdio_writeprotect w = {.range = {(uintptr_t)p, len}, .mode = on ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
	if (ioctl(fd, UFFDIO_WRITEPROTECT, &w)) { perror("writeprotect"); exit(1); }
}
static volatile int stop;
static uint64_t chunk_bytes = 16 * 4096;
static void *service(void *arg)
{
	int fd = *(int *)arg;
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	struct uffd_msg m;
	while (!stop) {
		if (poll(&pfd, 1, 10) <= 0) continue;
		while (read(fd, &m, sizeof(m)) == sizeof(m)) {
			if (m.event != UFFD_EVENT_PAGEFAULT || !(m.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP)) continue;
			uint64_t a = m.arg.pagefault.address & ~(chunk_bytes - 1); /* the whole chunk, as the library does */
			wp(fd, (char *)a, chunk_bytes, 0);
		}
	}
	return NULL;
}
int main(int argc, char **argv)
{
	ps = sysconf(_SC_PAGESIZE);
	size_t mib = argc > 1 ? atoi(argv[1]) : 256, len = mib << 20;
	int rounds = 5;
	/* (a) synchronous WP: one fault per chunk, answered by a thread */
	{
		int fd = uffd_open(UFFD_FEATURE_PAGEFAULT_FLAG_WP);
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		memset(p, 1, len);
		reg(fd, p, len);
		pthread_t t;
		pthread_create(&t, NULL, service, &fd);
		for (uint64_t cp = 1; cp <= 16; cp *= 16) {
			chunk_bytes = cp * ps;
			uint64_t best = UINT64_MAX, protect = 0;
			for (int r = 0; r < rounds; r++) {
				uint64_t t0 = now();
				wp(fd, p, len, 1);
				madvise(p, len, MADV_FREE);
				uint64_t t1 = now();
				for (size_t off = 0; off < len; off += ps) p[off]++;
				uint64_t dt = now() - t1;
				if (dt < best) best = dt, protect = t1 - t0;
			}
			printf("sync WP, %3lu-page chunks: first writes to %zu MiB %.1f ms: %.2f us per chunk (%.0f ns per page); WP+MADV_FREE %.1f ms\n",
			       (unsigned long)cp, mib, best / 1e6, best / 1e3 / (len / chunk_bytes), (double)best / (len / ps), protect / 1e6);
		}
		/* baseline: the same writes with WP off */
		uint64_t best = UINT64_MAX;
		for (int r = 0; r < rounds; r++) {
			madvise(p, len, MADV_FREE);
			uint64_t t1 = now();
			for (size_t off = 0; off < len; off += ps) p[off]++;
			uint64_t dt = now() - t1;
			if (dt < best) best = dt;
		}
		printf("no WP (today): first writes to %zu MiB after MADV_FREE %.1f ms (%.0f ns per page)\n", mib, best / 1e6, (double)best / (len / ps));
		stop = 1;
		pthread_join(t, NULL);
		munmap(p, len);
		close(fd);
	}
	/* (b) WP_ASYNC: the kernel resolves the fault; PAGEMAP_SCAN lists the written pages */
	{
		int fd = uffd_open(UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED);
		char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		memset(p, 1, len);
		reg(fd, p, len);
		size_t nvec = len / ps;
		struct page_region *vec = malloc(nvec * sizeof(*vec));
		uint64_t best = UINT64_MAX, scan = UINT64_MAX, scan_all = UINT64_MAX, protect = 0, all = UINT64_MAX;
		long found = 0;
		for (int r = 0; r < rounds; r++) {
			uint64_t t0 = now();
			wp(fd, p, len, 1);
			madvise(p, len, MADV_FREE);
			uint64_t t1 = now();
			for (size_t off = 0; off < len; off += 64 * ps) p[off]++; /* one page in 64 */
			uint64_t t2 = now();
			struct pm_scan_arg a = {.size = sizeof(a), .start = (uintptr_t)p, .end = (uintptr_t)p + len,
						.vec = (uintptr_t)vec, .vec_len = nvec, .category_mask = PAGE_IS_WRITTEN,
						.return_mask = PAGE_IS_WRITTEN};
			long n = ioctl(fd < 0 ? 0 : open("/proc/self/pagemap", O_RDONLY), PAGEMAP_SCAN, &a);
			uint64_t t3 = now();
			if (n < 0) { perror("PAGEMAP_SCAN"); return 1; }
			found = n;
			for (size_t off = 0; off < len; off += ps) p[off]++; /* every page */
			uint64_t t4 = now();
			if (t4 - t3 < all) all = t4 - t3;
			long n2 = ioctl(open("/proc/self/pagemap", O_RDONLY), PAGEMAP_SCAN, &a);
			uint64_t t5 = now();
			(void)n2;
			if (t2 - t1 < best) best = t2 - t1, protect = t1 - t0;
			if (t3 - t2 < scan) scan = t3 - t2;
			if (t5 - t4 < scan_all) scan_all = t5 - t4;
		}
		printf("WP_ASYNC: first writes to 1 page in 64 of %zu MiB: %.0f ns per page written; PAGEMAP_SCAN of %zu MiB: %.2f ms (%ld regions); after writing every page: %.2f ms; WP+MADV_FREE %.1f ms\n",
		       mib, (double)best / (len / ps / 64), mib, scan / 1e6, found, scan_all / 1e6, protect / 1e6);
		printf("WP_ASYNC: then the first write to every other page: %.0f ns per page\n", (double)all / (len / ps - len / ps / 64));
		close(fd);
	}
	return 0;
}
