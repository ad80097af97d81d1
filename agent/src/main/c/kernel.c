/* System call wrappers (kernel.h). Nothing here knows about ranges. */
#define _GNU_SOURCE
#include "kernel.h"

#include "jreclaim.h"
#include "uffd_abi.h"

#include <errno.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void *ptr(uint64_t a) { return (void *)(uintptr_t)a; }

/* struct sched_attr of linux/sched/types.h (SCHED_ATTR_SIZE_VER0, 48 bytes), which glibc does not declare. */
struct jr_sched_attr {
	uint32_t size, sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime, sched_deadline, sched_period;
};
#ifndef SCHED_FLAG_KEEP_POLICY
#define SCHED_FLAG_KEEP_POLICY 0x08 /* linux/sched.h */
#endif

uint64_t jr_k_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void jr_k_sleep_ns(uint64_t ns)
{
	struct timespec ts = {(time_t)(ns / 1000000000ull), (long)(ns % 1000000000ull)};
	nanosleep(&ts, NULL);
}

void *jr_k_map(uint64_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	return p == MAP_FAILED ? NULL : p;
}

int jr_k_unmap(uint64_t start, uint64_t len) { return munmap(ptr(start), len) == 0 ? 0 : -errno; }

int jr_k_madvise(uint64_t start, uint64_t len, int advice)
{
	return madvise(ptr(start), len, advice) == 0 ? 0 : -errno;
}

int jr_k_mincore(uint64_t start, uint64_t len, unsigned char *vec)
{
	return mincore(ptr(start), len, vec) == 0 ? 0 : -errno;
}

uint64_t jr_k_resident_pages(uint64_t start, uint64_t len, uint64_t page_size)
{
	unsigned char vec[JR_MAX_CHUNK_PAGES];
	uint64_t step = (uint64_t)sizeof(vec) * page_size, n = 0;
	for (uint64_t off = 0; off < len; off += step) {
		uint64_t l = len - off < step ? len - off : step;
		if (mincore(ptr(start + off), l, vec) != 0)
			return n;
		for (uint64_t i = 0; i < l / page_size; i++)
			n += vec[i] & 1;
	}
	return n;
}

void jr_k_touch_write(uint64_t start, uint64_t len, uint64_t page_size)
{
	for (uint64_t p = start; p < start + len; p += page_size)
		__atomic_fetch_add((volatile uint64_t *)ptr(p), 0, __ATOMIC_RELAXED);
}

int jr_k_register(int uffd, uint64_t start, uint64_t len, int wp)
{
	struct uffdio_register r = {.range = {.start = start, .len = len},
				    .mode = UFFDIO_REGISTER_MODE_MISSING | (wp ? UFFDIO_REGISTER_MODE_WP : 0)};
	return ioctl(uffd, UFFDIO_REGISTER, &r) == 0 ? 0 : -errno;
}

int jr_k_unregister(int uffd, uint64_t start, uint64_t len)
{
	struct uffdio_range r = {.start = start, .len = len};
	return ioctl(uffd, UFFDIO_UNREGISTER, &r) == 0 ? 0 : -errno;
}

int jr_k_writeprotect(int uffd, uint64_t start, uint64_t len, int protect)
{
	struct uffdio_writeprotect w = {.range = {.start = start, .len = len},
					.mode = protect ? UFFDIO_WRITEPROTECT_MODE_WP : 0};
	return ioctl(uffd, UFFDIO_WRITEPROTECT, &w) == 0 ? 0 : -errno;
}

int jr_k_wake(int uffd, uint64_t start, uint64_t len)
{
	struct uffdio_range r = {.start = start, .len = len};
	return ioctl(uffd, UFFDIO_WAKE, &r) == 0 ? 0 : -errno;
}

int jr_k_copy(int uffd, uint64_t dst, const void *src, uint64_t len, int wp, int64_t *done)
{
	struct uffdio_copy c = {.dst = dst,
				.src = (uint64_t)(uintptr_t)src,
				.len = len,
				.mode = UFFDIO_COPY_MODE_DONTWAKE | (wp ? UFFDIO_COPY_MODE_WP : 0)};
	int r = ioctl(uffd, UFFDIO_COPY, &c) == 0 ? 0 : -errno;
	*done = c.copy;
	return r;
}

int jr_k_zeropage(int uffd, uint64_t dst, uint64_t len, int64_t *done)
{
	struct uffdio_zeropage z = {.range = {.start = dst, .len = len}, .mode = UFFDIO_ZEROPAGE_MODE_DONTWAKE};
	int r = ioctl(uffd, UFFDIO_ZEROPAGE, &z) == 0 ? 0 : -errno;
	*done = z.zeropage;
	return r;
}

int jr_k_poison(int uffd, uint64_t start, uint64_t len)
{
	struct uffdio_poison p = {.range = {.start = start, .len = len}, .mode = 0};
	return ioctl(uffd, UFFDIO_POISON, &p) == 0 ? 0 : -errno;
}

int jr_k_set_slice(uint64_t ns)
{
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0); /* this thread's */
	if (nice == -1 && errno)
		return -errno;
	/* SCHED_FLAG_KEEP_POLICY (linux/sched.h): the policy stays; sched_runtime is the slice of a fair thread
	 * (kernel/sched/syscalls.c __setscheduler_params, clamped to 0.1-100 ms). */
	struct jr_sched_attr a = {.size = sizeof(a), .sched_flags = SCHED_FLAG_KEEP_POLICY, .sched_nice = nice,
			       .sched_runtime = ns};
	return syscall(SYS_sched_setattr, 0, &a, 0) == 0 ? 0 : -errno;
}

void jr_k_flush_lazyfree(void *dummy, uint64_t page_size)
{
	/* A page freed last can sit in this CPU's lazyfree batch and escape a purge from another
	 * CPU; MADV_FREE of a never-touched page drains the batch (docs/fault-path.md). */
	madvise(dummy, page_size, MADV_FREE);
}

/* The CPU set jr_k_drain_hold found, while this thread is held on one CPU. */
static __thread cpu_set_t held_allowed;
static __thread int held;

/*
 * MADV_FREE starts with lru_add_drain() of the current CPU, so moving to each CPU in turn and
 * freeing the dummy page there drains them all. A page faulted in shortly before a mark may still
 * sit in another CPU's lru_add batch, off the LRU: MADV_FREE then cannot make it lazyfree, and the
 * page stays resident (safe, but never reclaimed); a page just marked may sit in a lazyfree batch
 * that MADV_PAGEOUT cannot see. The CPU this thread runs on is drained first, where it is, so one
 * migration is made per other CPU (a migration waits for that CPU to run us: on a busy machine it
 * costs far more than the drain); only mark and purge use it. A marker holds the thread on the CPU the drain
 * ends on (jr_k_drain_hold) for the marks that follow: its own MADV_FREEs then all feed that CPU's lazyfree
 * batch, and the drain after them is a flush where it is (jr_k_drain_release) instead of a second round.
 */
/* Drains every CPU of allowed; returns 1 when it moved the thread (which then sits on the last CPU drained). */
static int drain_cpus(void *dummy, uint64_t page_size, const cpu_set_t *allowed)
{
	cpu_set_t one;
	int here = sched_getcpu();
	jr_k_flush_lazyfree(dummy, page_size);
	if (sched_getcpu() != here)
		here = -1; /* moved meanwhile: not sure which CPU was drained, so drain every one */
	int moved = 0;
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, allowed) || cpu == here)
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0) {
			moved = 1;
			jr_k_flush_lazyfree(dummy, page_size);
		}
	}
	return moved;
}

void jr_k_drain_all_cpus(void *dummy, uint64_t page_size)
{
	cpu_set_t allowed;
	if (held) {
		drain_cpus(dummy, page_size, &held_allowed); /* ends on one CPU, as held */
		return;
	}
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		jr_k_flush_lazyfree(dummy, page_size);
		return;
	}
	if (drain_cpus(dummy, page_size, &allowed))
		sched_setaffinity(0, sizeof(allowed), &allowed);
}

void jr_k_drain_hold(void *dummy, uint64_t page_size)
{
	if (held) {
		drain_cpus(dummy, page_size, &held_allowed);
		return;
	}
	if (sched_getaffinity(0, sizeof(held_allowed), &held_allowed) != 0) {
		jr_k_flush_lazyfree(dummy, page_size);
		return;
	}
	cpu_set_t one;
	int moved = drain_cpus(dummy, page_size, &held_allowed), here = sched_getcpu();
	if (!moved && CPU_COUNT(&held_allowed) > 1 && here >= 0) {
		/* drained where it was: stay there */
		CPU_ZERO(&one);
		CPU_SET(here, &one);
		moved = sched_setaffinity(0, sizeof(one), &one) == 0;
	}
	held = moved;
}

void jr_k_drain_release(void *dummy, uint64_t page_size)
{
	if (dummy)
		jr_k_flush_lazyfree(dummy, page_size);
	if (held) {
		held = 0;
		sched_setaffinity(0, sizeof(held_allowed), &held_allowed);
	}
}
