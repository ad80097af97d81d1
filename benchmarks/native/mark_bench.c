/* mark_bench.c (docs/benchmarks.md, "Where a mark's time goes"): what a SNAPSHOT mark costs the
 * marking thread, in its own CPU time, against LZ4_compress_default over the same bytes in the same process.
 * N ranges of SIZE bytes are filled as benchmarks' MarkChild.load fills its buffers (3 random bytes of every 8),
 * marked in batches of BATCH (default 64, as rules/BackgroundMarker; BATCH=1 is a marker that keeps up with
 * its producer), then LZ4 runs over the marked ranges themselves (as MarkChild does), into one reused buffer.
 * Prints MiB/s of each, minor faults and user/system time per mark, and the process's LazyFree after the marks.
 * Env: BATCH, NOLZ4=1 (marks only, for perf/strace), FILLCPU=c (fill on CPU c). Needs root.
 * Build: M=agent/src/main/c; gcc -O2 -std=gnu11 -DJR_LZ4_STATIC -I$M -o /tmp/mark_bench \
 *   benchmarks/native/mark_bench.c $M/[a-z]*.c "$(gcc -print-file-name=liblz4.a)" -lpthread -ldl
 * Run: /tmp/mark_bench SIZE N [ROUNDS] (the first of ROUNDS, default 3, is a warm-up). */

#define _GNU_SOURCE
#include "jreclaim.h"
#include <fcntl.h>
#include <sched.h>
#include <linux/userfaultfd.h>
#include <lz4.h>
#include "uffd_abi.h"
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
static struct rusage ru0, ru1; static double flt, usr, sys_;
static double tv(struct timeval t) { return t.tv_sec + t.tv_usec / 1e6; }
static long rollup_lazyfree_kb(void)
{
	FILE *f = fopen("/proc/self/smaps_rollup", "r"); char line[256]; long v = -1;
	while (f && fgets(line, sizeof line, f))
		if (sscanf(line, "LazyFree: %ld kB", &v) == 1) break;
	if (f) fclose(f);
	return v;
}
static void on_cpus(int cpu) { cpu_set_t s; CPU_ZERO(&s); if (cpu >= 0) CPU_SET(cpu, &s); else for (int c = 0; c < 2; c++) CPU_SET(c, &s); sched_setaffinity(0, sizeof(s), &s); }
static double cpu(void) { struct timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static void fill(unsigned char *b, size_t size, uint64_t seed)
{
	uint64_t x = seed | 1;
	for (size_t p = 0; p < size; p += 8) { x ^= x << 13; x ^= x >> 7; x ^= x << 17; uint64_t v = x & 0xFFFFFF; memcpy(b + p, &v, 8); }
}
int main(int argc, char **argv)
{
	size_t size = strtoull(argv[1], 0, 0); int n = atoi(argv[2]); int rounds = argc > 3 ? atoi(argv[3]) : 3;
	int uffd = (int)syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	struct uffdio_api api = {.api = UFFD_API, .features = UFFD_FEATURE_PAGEFAULT_FLAG_WP | UFFD_FEATURE_THREAD_ID | UFFD_FEATURE_POISON};
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api)) { perror("uffd"); return 1; }
	struct jr_service *svc;
	if (jr_service_start(uffd, JR_SVC_WP, 65536, 16, &svc)) { fprintf(stderr, "start\n"); return 1; }
	int64_t *h = malloc(n * sizeof(*h)); uint64_t *base = malloc(n * sizeof(*base));
	unsigned char *out = malloc(LZ4_compressBound(size));
	double tm = 0, tl = 0, tr = 0; int B = getenv("BATCH") ? atoi(getenv("BATCH")) : 64;
	for (int r = 0; r < rounds; r++) {
		if (getenv("FILLCPU")) on_cpus(atoi(getenv("FILLCPU")));
		for (int i = 0; i < n; i++) {
			h[i] = jr_range_add(svc, size, JR_SOURCE_SNAPSHOT, -1, 0, &base[i]);
			if (h[i] < 0) { fprintf(stderr, "add %d: %lld\n", i, (long long)h[i]); return 1; }
			fill((unsigned char *)(uintptr_t)base[i], size, i + 1 + r * n);
		}
		if (getenv("FILLCPU")) on_cpus(-1);
		getrusage(RUSAGE_THREAD, &ru0);
		double t0 = cpu();
		for (int i = 0; i < n; i++) {
			if (i % B == 0) jr_mark_batch(svc, 1);
			int e = jr_range_mark(svc, h[i]);
			if (e) { fprintf(stderr, "mark %d\n", e); return 1; }
			if (i % B == B - 1 || i == n - 1) jr_mark_batch(svc, 0);
		}
		double t1 = cpu();
		getrusage(RUSAGE_THREAD, &ru1);
		if (r == rounds - 1) printf("  LazyFree after the marks: %ld kB of %zu kB marked\n", rollup_lazyfree_kb(), size * n / 1024);
		if (r) { flt += ru1.ru_minflt - ru0.ru_minflt; usr += tv(ru1.ru_utime) - tv(ru0.ru_utime); sys_ += tv(ru1.ru_stime) - tv(ru0.ru_stime); }
		/* as MarkChild: LZ4_compress_default over the marked ranges themselves (cold), into one reused buffer */
		double t2 = cpu(), t3 = t2;
		if (!getenv("NOLZ4")) for (int i = 0; i < n; i++) { if (LZ4_compress_default((char *)(uintptr_t)base[i], (char *)out, size, LZ4_compressBound(size)) <= 0) return 2; }
		double t4 = cpu();
		for (int i = 0; i < n; i++) { jr_range_lock(svc, h[i]); }
		for (int i = 0; i < n; i++) jr_range_remove(svc, h[i]);
		if (r) { tm += t1 - t0; tl += t4 - t3; tr++; }
	}
	double mib = (double)size * n / (1 << 20);
	printf("size %zu: mark %.0f MiB/s (%.1f us/mark), lz4 %.0f MiB/s (%.1f us), ratio %.2f\n", size, mib * tr / tm, tm / tr / n * 1e6,
	       mib * tr / tl, tl / tr / n * 1e6, tl / tm);
	printf("  per mark: %.1f minor faults, user %.1f us, sys %.1f us\n", flt / tr / n, usr / tr / n * 1e6, sys_ / tr / n * 1e6);
	jr_service_stop(svc);
	return 0;
}
