/*
 * The fault service: one pthread, started by jr_service_start through an FFM downcall and
 * never attached to the JVM. It reads userfaultfd events and answers each from the range
 * table without calling into Java, because a thread faulting from Java code stays
 * _thread_in_Java while it waits and so holds up every safepoint until we answer.
 *
 * Two kinds of answer, chosen by the source's ops (source.h):
 *   rebuild   ZERO, SNAPSHOT, FILE: the source produces the chunk around the fault (or zeros by
 *             UFFDIO_ZEROPAGE), and the missing runs of the chunk are installed in as few ioctls
 *             as the present pages allow, under the write-protect protocol when it copies.
 *   lost      POISON: volatile, UFFDIO_POISON the page (the toucher gets SIGBUS) and count it
 *             purged; otherwise a zero page (never marked, or being settled by lock/detach).
 *
 * Write-protect protocol (docs/fault-path.md), so that a restored page becomes
 * reclaimable again without losing a racing write:
 *   COPY(MODE_WP|MODE_DONTWAKE) -> MADV_FREE exactly the pages installed ->
 *   UFFDIO_WRITEPROTECT(mode 0), which clears WP and wakes the faulter and any writer that
 *   hit the WP in between; that write lands after MADV_FREE, so the kernel keeps it.
 *   Pages inside a marker's hold window stay write-protected (the marker clears them). The
 *   slot lock is held from COPY to the WP clear, so no hold can begin or end in between.
 *
 * The loop never ends on its own, because a thread waiting on a fault would then wait for
 * ever: transient errors are retried. The one exception is a descriptor that is gone
 * (someone closed it), and then the kernel has already woken every waiter and unregistered
 * the ranges. jr_service_stop ends the loop.
 */
#define _GNU_SOURCE
#include "service.h"

#include "check.h"
#include "files.h"
#include "hold.h"
#include "kernel.h"
#include "range_state.h"
#include "range_table.h"
#include "source.h"
#include "uffd_abi.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_MSGS 64
#define MAX_RUNS 64

struct run {
	uint64_t start, len;
};

/* Installs [dst, dst+len) from src with COPY (src != NULL) or ZEROPAGE, page by page past
 * present pages. Records the sub-runs actually installed. Returns 0, or -errno when the
 * range is gone (unregistered/unmapped) or the kernel refuses for another reason. */
static int install(struct jr_service *svc, uint64_t dst, const unsigned char *src, uint64_t len, int wp,
		   struct run *runs, int *nruns)
{
	int uffd = svc->env.uffd;
	uint64_t ps = svc->env.page_size, off = 0;
	int enomem = 0, again = 0;
	while (off < len) {
		int64_t done;
		int r = src ? jr_k_copy(uffd, dst + off, src + off, len - off, wp, &done)
			    : jr_k_zeropage(uffd, dst + off, len - off, &done);
		if (r == 0)
			done = (int64_t)(len - off);
		if (done > 0) {
			if (*nruns < MAX_RUNS) {
				runs[*nruns].start = dst + off;
				runs[*nruns].len = (uint64_t)done;
				(*nruns)++;
			}
			off += (uint64_t)done;
			if (r == 0)
				break;
		}
		if (r == 0)
			continue;
		if (r == -EEXIST || (r == -EAGAIN && done > 0)) {
			/* A page is present: someone else installed it, or it was never purged. */
			jr_add(&svc->c[JR_C_RACES], 1);
			if (r == -EEXIST)
				off += ps;
			continue;
		}
		if (r == -EAGAIN && again++ < 1000) /* mm changing under us: try again */
			continue;
		if (r == -ENOMEM && enomem++ < 3) {
			jr_k_sleep_ns(1000000);
			continue;
		}
		jr_add(&svc->c[JR_C_INSTALL_ERRORS], 1);
		return r;
	}
	return 0;
}

static void count_source(struct jr_service *svc, int source, uint64_t pages, uint64_t ns)
{
	jr_add(&svc->c[JR_C_SRC_FAULTS(source)], 1);
	jr_add(&svc->c[JR_C_SRC_PAGES(source)], pages);
	jr_add(&svc->c[JR_C_SRC_BYTES(source)], pages * svc->env.page_size);
	jr_add(&svc->c[JR_C_SRC_NS(source)], ns);
}

static void record_latency(struct jr_service *svc, uint64_t ns)
{
	int b = ns ? 63 - __builtin_clzll(ns) : 0;
	if (b >= JR_HIST_BUCKETS)
		b = JR_HIST_BUCKETS - 1;
	jr_add(&svc->hist[b], 1);
	if (ns > jr_load(&svc->c[JR_C_MAX_NS]))
		__atomic_store_n(&svc->c[JR_C_MAX_NS], ns, __ATOMIC_RELAXED);
}

static void poison_page(struct jr_service *svc, uint64_t page)
{
	int r = jr_k_poison(svc->env.uffd, page, svc->env.page_size);
	if (r != 0 && r != -EEXIST) {
		jr_add(&svc->c[JR_C_INSTALL_ERRORS], 1);
		jr_k_wake(svc->env.uffd, page, svc->env.page_size);
	}
}

/* Counted before the answer wakes the toucher, so whoever it tells sees the count. */
static void count_answer(struct jr_service *svc, int source, uint64_t pages, uint64_t t0)
{
	uint64_t dt = jr_k_now_ns() - t0;
	count_source(svc, source, pages, dt);
	record_latency(svc, dt);
}

/* A source that cannot rebuild (POISON). Entered with the slot lock held, returns with it released. */
static void serve_lost(struct jr_service *svc, struct jr_slot *sl, int state, uint64_t page, uint64_t t0)
{
	/* Every page was populated at mark, so a missing page after it was purged; before the first
	 * mark it was merely never touched. */
	int volatile_now = sl->ever_marked && state == JR_STATE_VOLATILE;
	if (sl->ever_marked && (state == JR_STATE_VOLATILE || state == JR_STATE_LOCKING))
		jr_add(&sl->st[JR_RS_PURGED_SINCE_MARK], 1);
	count_answer(svc, sl->source, 1, t0);
	if (volatile_now) {
		/* Under the slot lock, so a locker that read the poison count sees this one. */
		jr_add(&sl->st[JR_RS_PAGES_POISONED], 1);
		poison_page(svc, page);
	}
	jr_slot_unlock(sl);
	if (!volatile_now) {
		struct run runs[1];
		int n = 0;
		install(svc, page, NULL, svc->env.page_size, 0, runs, &n);
		jr_k_wake(svc->env.uffd, page, svc->env.page_size);
	}
}

/*
 * A rebuildable source: the missing runs of the chunk around the fault. Entered with the slot lock
 * held, returns with it released; returns whether the faulting page still needs a wake (sent after
 * the hazard is cleared).
 */
static int serve_rebuild(struct jr_service *svc, struct jr_slot *sl, const struct jr_source_ops *ops, uint64_t page,
			 uint64_t t0)
{
	const struct jr_env *env = &svc->env;
	uint64_t ps = env->page_size;
	uint64_t w0 = sl->base + ((page - sl->base) / env->chunk_bytes) * env->chunk_bytes;
	uint64_t wend = w0 + env->chunk_bytes;
	if (wend > sl->base + sl->len)
		wend = sl->base + sl->len;
	uint64_t wlen = wend - w0;

	/* SNAPSHOT is restored from its chunk even before the first mark completes: the chunks that
	 * mark has done are lazyfree already, and a chunk without a snapshot yields zeros. Those zeros
	 * go in with COPY under the write-protect protocol too: a ZEROPAGE is never write-protected,
	 * so inside a marker's hold window a write could land before the marker's MADV_FREE and be
	 * dropped with the page. Without WP a SNAPSHOT range is never marked: zeros are right. */
	int use_zeropage = !ops->produce || (ops->needs_wp && !env->wp);
	int err = 0;
	if (!use_zeropage && !ops->produce_blocks)
		err = ops->produce(env, sl, w0, wlen, svc->scratch);
	if (!use_zeropage && ops->produce_blocks) {
		jr_slot_unlock(sl);                                /* pread may block */
		err = ops->produce(env, sl, w0, wlen, svc->scratch); /* state stays: removal waits for the hazard */
		jr_slot_lock(sl);
	}
	if (err) {
		jr_slot_unlock(sl);
		/* Never hand out wrong bytes: poison the page, count the failure. */
		jr_add(&svc->c[JR_C_REBUILD_FAILURES], 1);
		jr_add(&sl->st[JR_RS_REBUILD_FAILURES], 1);
		jr_add(&sl->st[JR_RS_PURGED_SINCE_MARK], 1);
		poison_page(svc, page);
		return 0;
	}

	/* Find the missing runs of the chunk and install them. The slot lock stays held until WP is
	 * cleared: otherwise a marker's hold over these pages could end between our COPY and our
	 * MADV_FREE, and its WP clear would let a write land before the MADV_FREE that then makes it
	 * droppable. Nothing here can fault on a registered range. */
	unsigned char vec[JR_MAX_CHUNK_PAGES];
	uint64_t npages = wlen / ps;
	if (npages > sizeof(vec))
		npages = sizeof(vec);
	if (jr_k_mincore(w0, npages * ps, vec) != 0)
		memset(vec, 0, npages); /* fall back to trying every page: EEXIST sorts it out */
	int wp = env->wp && !use_zeropage;
	struct run runs[MAX_RUNS];
	int nruns = 0;
	uint64_t i = 0;
	while (i < npages) {
		if (vec[i] & 1) {
			i++;
			continue;
		}
		uint64_t j = i;
		while (j < npages && !(vec[j] & 1))
			j++;
		const unsigned char *src = use_zeropage ? NULL : svc->scratch + i * ps;
		if (install(svc, w0 + i * ps, src, (j - i) * ps, wp, runs, &nruns) != 0)
			break;
		i = j;
	}

	uint64_t installed = 0;
	for (int r = 0; r < nruns; r++) {
		installed += runs[r].len;
		if (!use_zeropage) {
			jr_k_madvise(runs[r].start, runs[r].len, MADV_FREE);
			svc->need_flush = 1;
		}
	}

	count_answer(svc, sl->source, installed / ps, t0);
	if (installed)
		jr_add(&sl->st[JR_RS_PAGES_RESTORED], installed / ps);

	/* Clear WP (and wake) outside a marker's hold window; inside it, only wake. */
	int covered = 0;
	uint64_t h0 = sl->hold_start, h1 = sl->hold_end;
	for (int r = 0; r < nruns; r++) {
		uint64_t a = runs[r].start, b = runs[r].start + runs[r].len;
		if (page >= a && page < b)
			covered = 1;
		if (!wp) {
			jr_k_wake(env->uffd, a, b - a);
			continue;
		}
		uint64_t ia = a > h0 ? a : h0, ib = b < h1 ? b : h1;
		if (ia < ib) {
			if (a < ia)
				jr_k_writeprotect(env->uffd, a, ia - a, 0);
			jr_k_wake(env->uffd, ia, ib - ia);
			if (ib < b)
				jr_k_writeprotect(env->uffd, ib, b - ib, 0);
		} else {
			jr_k_writeprotect(env->uffd, a, b - a, 0);
		}
	}
	jr_slot_unlock(sl);
	return !covered;
}

static void serve_missing(struct jr_service *svc, uint64_t addr)
{
	uint64_t ps = svc->env.page_size;
	uint64_t page = addr & ~(ps - 1);
	uint64_t t0 = jr_k_now_ns();

	uint64_t delay = __atomic_load_n(&svc->test_delay_ns, __ATOMIC_RELAXED);
	if (delay) /* fault injection for tests: a slow source */
		jr_k_sleep_ns(delay);

	uint32_t idx = jr_table_lookup(&svc->table, page);
	if (idx == JR_NO_SLOT) {
		jr_add(&svc->c[JR_C_UNKNOWN_RANGE], 1);
		jr_k_wake(svc->env.uffd, page, ps);
		return;
	}
	jr_table_hazard_set(&svc->table, idx);
	struct jr_slot *sl = &svc->table.slots[idx];
	jr_slot_lock(sl);
	int state = sl->state;
	if (state != JR_STATE_FREE && state != JR_STATE_DEAD && page >= sl->base + sl->len) {
		/* The unused tail of a registered slot (range_memory.c): no range byte lives there, and a wake alone
		 * would let the toucher fault again for ever. A zero page ends it. */
		jr_slot_unlock(sl);
		jr_table_hazard_clear(&svc->table);
		jr_add(&svc->c[JR_C_UNKNOWN_RANGE], 1);
		int64_t done = 0;
		jr_k_zeropage(svc->env.uffd, page, ps, &done); /* EEXIST: someone else installed it; wake either way */
		jr_k_wake(svc->env.uffd, page, ps);
		return;
	}
	if (state == JR_STATE_FREE || state == JR_STATE_DEAD || page < sl->base || page >= sl->base + sl->len) {
		jr_slot_unlock(sl);
		jr_table_hazard_clear(&svc->table);
		jr_add(&svc->c[JR_C_FREED_RANGE], 1);
		jr_k_wake(svc->env.uffd, page, ps);
		return;
	}
	jr_add(&sl->st[JR_RS_FAULTS], 1);
	const struct jr_source_ops *ops = jr_source_ops(sl->source);
	int wake = 0;
	if (ops->rebuilds)
		wake = serve_rebuild(svc, sl, ops, page, t0);
	else
		serve_lost(svc, sl, state, page, t0);
	jr_table_hazard_clear(&svc->table);
	if (wake)
		jr_k_wake(svc->env.uffd, page, ps);
}

static void serve_wp(struct jr_service *svc, uint64_t addr)
{
	uint64_t ps = svc->env.page_size;
	uint64_t page = addr & ~(ps - 1);
	uint32_t idx = jr_table_lookup(&svc->table, page);
	if (idx == JR_NO_SLOT) {
		jr_k_writeprotect(svc->env.uffd, page, ps, 0);
		return;
	}
	jr_table_hazard_set(&svc->table, idx);
	struct jr_slot *sl = &svc->table.slots[idx];
	jr_slot_lock(sl);
	/* Inside a hold window the marker clears WP (and wakes) when its copy is taken. */
	if (!jr_hold_covers(sl, page))
		jr_k_writeprotect(svc->env.uffd, page, ps, 0);
	jr_slot_unlock(sl);
	jr_table_hazard_clear(&svc->table);
}

static void *service_main(void *arg)
{
	struct jr_service *svc = arg;
	sigset_t all;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* process signals go to the JVM's threads */

	struct uffd_msg msgs[MAX_MSGS];
	struct pollfd pfd[2] = {{.fd = svc->env.uffd, .events = POLLIN}, {.fd = svc->stop_efd, .events = POLLIN}};
	for (;;) {
		ssize_t n = read(svc->env.uffd, msgs, sizeof(msgs));
		if (n > 0) {
			for (ssize_t k = 0; k < n / (ssize_t)sizeof(struct uffd_msg); k++) {
				if (msgs[k].event != UFFD_EVENT_PAGEFAULT)
					continue;
				uint64_t flags = msgs[k].arg.pagefault.flags;
				uint64_t addr = msgs[k].arg.pagefault.address;
				if (flags & UFFD_PAGEFAULT_FLAG_WP) {
					jr_add(&svc->c[JR_C_WP_EVENTS], 1);
					serve_wp(svc, addr);
				} else {
					jr_add(&svc->c[JR_C_EVENTS], 1);
					serve_missing(svc, addr);
				}
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EBADF) {
			/* The descriptor is gone: the kernel released the context, unregistered its
			 * ranges and woke every waiter, so nobody can wait on us any more. */
			__atomic_store_n(&svc->fatal_errno, errno, __ATOMIC_RELEASE);
			break;
		}
		if (n < 0 && errno != EAGAIN) {
			/* Anything else may be transient (ENOMEM): ending the loop would leave faulting
			 * threads blocked for ever, so wait a little and try again. */
			jr_add(&svc->c[JR_C_READ_ERRORS], 1);
			jr_k_sleep_ns(1000000);
			continue;
		}
		if (svc->need_flush) {
			jr_k_flush_lazyfree(svc->env.dummy, svc->env.page_size);
			svc->need_flush = 0;
		}
		if (__atomic_load_n(&svc->stopping, __ATOMIC_ACQUIRE) == JR_STOP_REQUESTED)
			break;
		int r = poll(pfd, 2, -1);
		if (r < 0 && errno != EINTR) {
			jr_add(&svc->c[JR_C_READ_ERRORS], 1);
			jr_k_sleep_ns(1000000); /* ENOMEM: transient, see above */
			continue;
		}
		if (r > 0 && (pfd[1].revents & POLLIN))
			break;
		if (r > 0 && (pfd[0].revents & POLLNVAL)) {
			__atomic_store_n(&svc->fatal_errno, EBADF, __ATOMIC_RELEASE);
			break;
		}
	}
	__atomic_store_n(&svc->running, 0, __ATOMIC_RELEASE);
	return NULL;
}

static void free_service(struct jr_service *svc)
{
	jr_table_destroy(&svc->table);
	jr_files_free(svc->env.files);
	if (svc->scratch)
		jr_k_unmap((uint64_t)(uintptr_t)svc->scratch, svc->env.chunk_bytes * 2);
	if (svc->env.dummy)
		jr_k_unmap((uint64_t)(uintptr_t)svc->env.dummy, svc->env.page_size);
	free(svc);
}

JR_API int64_t jr_service_start(int uffd, uint32_t flags, uint32_t capacity, uint32_t chunk_pages,
				struct jr_service **out)
{
	if (uffd < 0 || capacity == 0 || chunk_pages == 0 || chunk_pages > JR_MAX_CHUNK_PAGES || !out)
		return -EINVAL;
	struct jr_service *svc = calloc(1, sizeof(*svc));
	if (!svc)
		return -ENOMEM;
	svc->env.uffd = uffd;
	svc->flags = flags;
	svc->env.wp = (flags & JR_SVC_WP) != 0;
	svc->env.page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	svc->env.chunk_pages = chunk_pages;
	svc->env.chunk_bytes = svc->env.page_size * chunk_pages;
	svc->env.c = svc->c;
	svc->env.snapshot_min_ratio_pct = JR_SNAPSHOT_MIN_RATIO_PCT;
	svc->env.snapshot_max_bytes = UINT64_MAX;
	int err = jr_table_init(&svc->table, capacity);
	if (err)
		goto fail;
	svc->env.files = jr_files_new();
	if (!svc->env.files) {
		err = -ENOMEM;
		goto fail;
	}
	svc->scratch = jr_k_map(svc->env.chunk_bytes * 2);
	svc->env.dummy = jr_k_map(svc->env.page_size);
	if (!svc->scratch || !svc->env.dummy) {
		err = -ENOMEM;
		goto fail;
	}
	svc->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (svc->stop_efd < 0) {
		err = -errno;
		goto fail;
	}
	/* Running from now on: events that arrive before the thread reaches its loop wait in the
	 * descriptor, so callers may mark ranges as soon as this returns. */
	svc->running = 1;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	err = -pthread_create(&svc->thread, &attr, service_main, svc);
	pthread_attr_destroy(&attr);
	if (err) {
		close(svc->stop_efd);
		goto fail;
	}
	pthread_setname_np(svc->thread, "jreclaim-fault");
	*out = svc;
	return 0;
fail:
	free_service(svc);
	return err;
}

/* Ends the thread and frees the service. The caller (FaultService.close) has detached every
 * range first, so no thread can be waiting on this descriptor; the descriptor itself belongs to
 * the caller, who closes it afterwards (closing wakes any waiter the kernel still knows of). A
 * range still live here loses its source state; its mapping is left alone. */
JR_API int jr_service_stop(struct jr_service *svc)
{
	if (!svc)
		return -EBADF;
	__atomic_store_n(&svc->stopping, JR_STOP_REQUESTED, __ATOMIC_RELEASE);
	uint64_t one = 1;
	if (write(svc->stop_efd, &one, sizeof(one)) < 0) {
		/* eventfd write fails only on overflow; the flag above stops the loop anyway */
	}
	pthread_join(svc->thread, NULL);
	close(svc->stop_efd);
	for (uint32_t i = 0; i < jr_table_used(&svc->table); i++) {
		struct jr_slot *sl = &svc->table.slots[i];
		if (sl->state != JR_STATE_FREE)
			jr_source_ops(sl->source)->release(sl, 0);
	}
	free_service(svc);
	return 0;
}

JR_API int jr_service_alive(struct jr_service *svc)
{
	if (!svc)
		return -EBADF;
	int fatal = __atomic_load_n(&svc->fatal_errno, __ATOMIC_ACQUIRE);
	if (fatal)
		return -fatal;
	return __atomic_load_n(&svc->running, __ATOMIC_ACQUIRE);
}

JR_API int jr_service_counters(struct jr_service *svc, uint64_t *out, int n)
{
	if (!svc)
		return -EBADF;
	if (n > JR_C_COUNT)
		n = JR_C_COUNT;
	/* The library's own memory: the service, the slots committed so far (the table grows lazily), the
	 * service's buffers, the file table, plus source state, snapshots and recycled slots. */
	uint64_t ms[JR_MS_COUNT];
	jr_mem_stats(&svc->table.mem, ms, JR_MS_COUNT);
	uint64_t own = sizeof(*svc) + (uint64_t)jr_table_used(&svc->table) * sizeof(struct jr_slot) +
		       svc->env.chunk_bytes * 2 + svc->env.page_size + sizeof(struct jr_files) + JR_MAX_FILES * sizeof(struct jr_file) +
		       ms[JR_MS_RECYCLED_BYTES];
	__atomic_store_n(&svc->c[JR_C_AGENT_BYTES], own + jr_load(&svc->c[JR_C_SNAPSHOT_HELD]) + jr_load(&svc->c[JR_C_RECORDS_HELD]),
			 __ATOMIC_RELAXED);
	for (int i = 0; i < n; i++)
		out[i] = jr_load(&svc->c[i]);
	return n;
}

JR_API int jr_service_histogram(struct jr_service *svc, uint64_t *out, int n)
{
	if (!svc)
		return -EBADF;
	if (n > JR_HIST_BUCKETS)
		n = JR_HIST_BUCKETS;
	for (int i = 0; i < n; i++)
		out[i] = jr_load(&svc->hist[i]);
	return n;
}

JR_API int jr_service_set_test_delay(struct jr_service *svc, uint64_t ns)
{
	if (!svc)
		return -EBADF;
	__atomic_store_n(&svc->test_delay_ns, ns, __ATOMIC_RELAXED);
	return 0;
}

JR_API int jr_service_set_snapshot_limits(struct jr_service *svc, uint32_t min_ratio_pct, uint64_t max_bytes)
{
	if (!svc)
		return -EBADF;
	if (min_ratio_pct < 100)
		return -EINVAL; /* a snapshot larger than its chunk never pays */
	__atomic_store_n(&svc->env.snapshot_min_ratio_pct, min_ratio_pct, __ATOMIC_RELAXED);
	__atomic_store_n(&svc->env.snapshot_max_bytes, max_bytes, __ATOMIC_RELAXED);
	return 0;
}

JR_API int jr_service_live_ranges(struct jr_service *svc)
{
	if (!svc)
		return -EBADF;
	return jr_table_live(&svc->table);
}
