/*
 * Every system call the library makes on memory and on the userfaultfd, as thin wrappers that
 * return 0 or -errno. Depends on nothing else of ours. The kernel facts behind each one are in
 * docs/fault-path.md.
 */
#ifndef JR_KERNEL_H
#define JR_KERNEL_H

#include <stdint.h>

uint64_t jr_k_now_ns(void);
void jr_k_sleep_ns(uint64_t ns);

/* Private anonymous read-write memory (MAP_NORESERVE); NULL with errno set on failure. */
void *jr_k_map(uint64_t len);
int jr_k_unmap(uint64_t start, uint64_t len);
int jr_k_madvise(uint64_t start, uint64_t len, int advice);
/* Pages of [start, start+len) present now; any length (mincore in bounded steps). */
uint64_t jr_k_resident_pages(uint64_t start, uint64_t len, uint64_t page_size);
/* mincore of at most JR_MAX_CHUNK_PAGES pages. */
int jr_k_mincore(uint64_t start, uint64_t len, unsigned char *vec);
/* An atomic no-op write (lock xadd of 0) on each page: dirties it without changing it. */
void jr_k_touch_write(uint64_t start, uint64_t len, uint64_t page_size);

int jr_k_register(int uffd, uint64_t start, uint64_t len, int wp);
int jr_k_unregister(int uffd, uint64_t start, uint64_t len); /* wakes every waiter on the span */
int jr_k_writeprotect(int uffd, uint64_t start, uint64_t len, int protect); /* clearing wakes */
int jr_k_wake(int uffd, uint64_t start, uint64_t len);
/* UFFDIO_COPY / ZEROPAGE with DONTWAKE (COPY also MODE_WP when wp). *done gets the kernel's count:
 * bytes installed, or a negative errno when none was. */
int jr_k_copy(int uffd, uint64_t dst, const void *src, uint64_t len, int wp, int64_t *done);
int jr_k_zeropage(int uffd, uint64_t dst, uint64_t len, int64_t *done);
int jr_k_poison(int uffd, uint64_t start, uint64_t len); /* waking */

/* Asks the scheduler for a time slice of ns for the calling thread (sched_setattr, SCHED_FLAG_KEEP_POLICY, its nice
 * kept): Linux 6.12+ uses it as the thread's EEVDF slice request, so a woken thread with a short slice preempts a
 * longer-running one sooner. Older kernels ignore it. Returns 0 or -errno. */
int jr_k_set_slice(uint64_t ns);

/* MADV_FREE of a never-touched page: flushes this CPU's lazyfree batch. */
void jr_k_flush_lazyfree(void *dummy, uint64_t page_size);
/* Flushes the page batches of every CPU this thread may run on, migrating to each in turn. */
void jr_k_drain_all_cpus(void *dummy, uint64_t page_size);
/* jr_k_drain_all_cpus, then this thread stays on the CPU it ends on until jr_k_drain_release: every MADV_FREE
 * it makes meanwhile leaves its pages in that one CPU's lazyfree batch, which the release flushes where it is,
 * without a second round of migrations. Nested holds keep the first one's CPU set. */
void jr_k_drain_hold(void *dummy, uint64_t page_size);
/* Flushes this CPU's lazyfree batch and gives back the CPU set the hold found (nothing else when none is held). */
void jr_k_drain_release(void *dummy, uint64_t page_size);

#endif
