/*
 * The fault service: a few workers (pthreads), started by jr_service_start through an FFM downcall and
 * never attached to the JVM. They read userfaultfd events and answer each from the range table without
 * calling into Java, because a thread faulting from Java code stays _thread_in_Java while it waits and
 * so holds up every safepoint until we answer.
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
 *   COPY(MODE_WP|MODE_DONTWAKE) -> UFFDIO_WAKE of the pages installed (readers go on; a write meets
 *   the WP) -> MADV_FREE exactly those pages -> UFFDIO_WRITEPROTECT(mode 0), which clears WP and wakes
 *   any writer that hit the WP in between; that write lands after MADV_FREE, so the kernel keeps it.
 *   Pages inside a marker's hold window stay write-protected (the marker clears them). A restore
 *   holds the slot's window lock shared from producing the chunk to the WP clear, and whatever else
 *   changes WP on the range (a hold window begins or ends, a WP fault is answered) holds it exclusive,
 *   so none of that happens in between (range_table.c, "Concurrency, decided once here").
 *   With write tracking (written.h) a chunk not written since its mark keeps its WP after the
 *   restore (only a wake): its pages equal the source, and the first write to them is seen.
 *
 * Writes after the mark (serve_first_write): with write tracking a marked chunk stays
 * write-protected, so a WP fault outside any hold window is the first write to its chunk since
 * the mark. The chunk is recorded as written and its WP cleared, which wakes the writer; its
 * source is left alone (the written page is dirty from now on, so the kernel never drops it and
 * it is never rebuilt; a clean page beside it still needs the source).
 *
 * Pages a source gives up (give_up, on-purge ...,throw): after produce, the chunk's mincore and the
 * source's give_up under the slot lock poison the pages it could not rebuild; they are never installed.
 *
 * Workers. nreaders workers read the userfaultfd at once, each through its own epoll set with
 * EPOLLEXCLUSIVE, so one event wakes one worker; they restore different ranges and different chunks of
 * one range in parallel (the slot lock is held only to read the slot). A worker about to block in a file
 * read (a source with produce_blocks) gives its reader's place up (the readers semaphore) and takes one
 * back after its answer: one of the JR_BLOCKED_WORKERS spare workers reads meanwhile, so a slow file
 * does not hold up faults on other ranges unless more than JR_BLOCKED_WORKERS reads are slow at once.
 *
 * Sequential prefetch (as REAP did; off with JR_SVC_NO_PREFETCH). A fault at the chunk where a sequential
 * reader of the range would fault next (just after the previous fault, or inside the window restored
 * ahead of it) opens a window of depth chunks after it (4, doubling per sequential fault, at most
 * PF_MAX_DEPTH); the worker restores them one by one after its answer, whenever no event is waiting, so
 * the application reads chunk k while chunk k+1 is being restored. An idle worker is asked to help (the
 * help eventfd, one waiter woken): both take chunks from the window's cursor under the slot lock. Those pages go in under the same
 * protocol and are MADV_FREE'd like every restored page, so a prefetched page nobody reads stays droppable.
 *
 * Polling and slices: after a fault one worker polls the descriptor for SPIN_NS before it sleeps, so the next
 * fault of a burst is read at once (JR_SVC_NO_SPIN: off); each worker asks the scheduler for a SLICE_NS slice,
 * so a woken worker preempts a long-running thread sooner (JR_SVC_DEFAULT_SLICE: off). Readers: one per CPU
 * (at least 2), fewer under a cgroup CPU quota.
 *
 * Timing: a fault's service time runs from the read of its event to the wake of the faulting page, into the
 * histogram (jreclaim.h, JR_HIST_BUCKETS) and JR_C_SRC_NS. Its pages are counted before
 * the wake, so whoever the faulter tells sees them.
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
#include "spill.h"
#include "uffd_abi.h"
#include "written.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_RUNS 64
#define SLICE_NS 100000u  /* the workers' scheduler slice (jr_k_set_slice): a woken worker runs within about this */
#define SPIN_NS 60000u    /* how long a worker polls for the next event after a fault before it sleeps (worker_main) */
#define PF_FIRST_DEPTH 4u /* chunks restored ahead at the first sequential fault */
#define PF_MAX_DEPTH 64u  /* at most (4 MiB of 64 KiB chunks) */
#define WORK_BYTES ((uint64_t)JR_MAX_CHUNK_PAGES * 16 + JR_WORK_PAGE_BYTES) /* a worker's memory for a source's produce (source.h) */

/* A measurement build (-DJR_TRACE, benchmarks/native/restore_bench.c) keeps a ring of per-stage timestamps, one
 * record per fault or prefetched chunk (docs/benchmarks.md, "Where a fault's time goes"). Release: nothing. */
#ifdef JR_TRACE
enum { JR_T_IDLE, JR_T_READ, JR_T_LOCKED, JR_T_PRODUCED, JR_T_COPIED, JR_T_FREED, JR_T_DONE, JR_T_WOKEN, JR_T_COUNT };
struct jr_trace_rec {
	uint64_t addr, t[JR_T_COUNT];
	uint32_t worker, kind; /* 1 fault, 2 prefetch; | 4 woken from epoll for it; | 8 nothing to produce; | 16 waited for another worker */
	int32_t cpu_read, cpu_done;
};
#define JR_TRACE_N 65536u
struct jr_trace_rec jr_trace_ring[JR_TRACE_N];
uint64_t jr_trace_next;
#define TR(w, stage) ((w)->tr.t[stage] = jr_k_now_ns())
#define TR_KIND(w, k) ((w)->tr.kind |= (k))
static void tr_commit(struct jr_worker *w, uint64_t addr, uint32_t kind);
#else
#define TR(w, stage) ((void)0)
#define TR_KIND(w, k) ((void)0)
#define tr_commit(w, addr, kind) ((void)0)
#endif

struct jr_worker {
	struct jr_service *svc;
	uint32_t id; /* its hazard in the table */
	pthread_t thread;
	int started;
	int epfd;
	int reader;             /* holds one of the readers' places */
	int need_flush;         /* freed pages since it last flushed its CPU's lazyfree batch */
	unsigned char *scratch; /* chunk_bytes, never registered */
	void *work;             /* WORK_BYTES, for the source's produce */
	uint32_t pf_slot, pf_gen; /* the prefetch window it follows (slot, generation), or JR_NO_SLOT */
	uint64_t woken_ns;        /* when its restore woke the faulting page, or 0 (record_time) */
	uint64_t spin_until;      /* it polls the descriptor until then before it sleeps (worker_main) */
#ifdef JR_TRACE
	struct jr_trace_rec tr;
#endif
};

#ifdef JR_TRACE
static void tr_commit(struct jr_worker *w, uint64_t addr, uint32_t kind)
{
	w->tr.t[JR_T_DONE] = jr_k_now_ns();
	w->tr.addr = addr;
	w->tr.worker = w->id;
	w->tr.kind |= kind;
	w->tr.cpu_done = sched_getcpu();
	uint64_t i = __atomic_fetch_add(&jr_trace_next, 1, __ATOMIC_RELAXED);
	jr_trace_ring[i % JR_TRACE_N] = w->tr;
	memset(&w->tr, 0, sizeof(w->tr));
	w->tr.t[JR_T_IDLE] = jr_k_now_ns(); /* work on: not idle */
}
#endif

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

/* Counted before the answer wakes the toucher, so whoever it tells sees the count. */
static void count_pages(struct jr_service *svc, int source, uint64_t pages, int fault)
{
	if (fault)
		jr_add(&svc->c[JR_C_SRC_FAULTS(source)], 1);
	jr_add(&svc->c[JR_C_SRC_PAGES(source)], pages);
	jr_add(&svc->c[JR_C_SRC_BYTES(source)], pages * svc->env.page_size);
}

/* From the read of the event to the wake of the faulting thread (woken_ns, 0: now, after the answer's last
 * ioctl). */
static void record_time(struct jr_service *svc, int source, uint64_t t_read, uint64_t woken_ns)
{
	uint64_t ns = (woken_ns ? woken_ns : jr_k_now_ns()) - t_read;
	jr_add(&svc->c[JR_C_SRC_NS(source)], ns);
	int b = ns ? 63 - __builtin_clzll(ns) : 0;
	if (b >= JR_HIST_BUCKETS)
		b = JR_HIST_BUCKETS - 1;
	jr_add(&svc->hist[b], 1);
	uint64_t max = jr_load(&svc->c[JR_C_MAX_NS]);
	while (ns > max && !__atomic_compare_exchange_n(&svc->c[JR_C_MAX_NS], &max, ns, 0, __ATOMIC_RELAXED,
							 __ATOMIC_RELAXED))
		;
}

static void poison_page(struct jr_service *svc, uint64_t page)
{
	int r = jr_k_poison(svc->env.uffd, page, svc->env.page_size);
	if (r != 0 && r != -EEXIST) {
		jr_add(&svc->c[JR_C_INSTALL_ERRORS], 1);
		jr_k_wake(svc->env.uffd, page, svc->env.page_size);
	}
}

/* A source that cannot rebuild (POISON). Entered with the slot lock held, returns with it released. */
static void serve_lost(struct jr_service *svc, struct jr_slot *sl, int state, uint64_t page)
{
	/* Every page was populated at mark, so a missing page after it was purged; before the first
	 * mark it was merely never touched. */
	int volatile_now = sl->ever_marked && state == JR_STATE_VOLATILE;
	if (sl->ever_marked && (state == JR_STATE_VOLATILE || state == JR_STATE_LOCKING))
		jr_add(&sl->st[JR_RS_PURGED_SINCE_MARK], 1);
	count_pages(svc, sl->source, 1, 1);
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

/* A worker about to block in a file read gives its reader's place to a spare worker (see the header). */
static void leave_readers(struct jr_worker *w)
{
	if (w->reader) {
		w->reader = 0;
		sem_post(&w->svc->readers);
	}
}

/* Under the slot lock: whether a fault at chunk w0 continues a sequential read of the range, and if so
 * the window of chunks to restore ahead of it, which this worker then follows. */
static void note_fault(struct jr_worker *w, uint32_t idx, struct jr_slot *sl, uint64_t w0)
{
	uint64_t cb = w->svc->env.chunk_bytes, end = sl->base + sl->len;
	uint64_t reach = sl->pf_end > sl->pf_expect ? sl->pf_end : sl->pf_expect;
	if (sl->pf_expect && w0 >= sl->pf_expect && w0 <= reach) {
		uint32_t d = sl->pf_depth ? sl->pf_depth * 2 : PF_FIRST_DEPTH;
		sl->pf_depth = d < PF_MAX_DEPTH ? d : PF_MAX_DEPTH;
		if (sl->pf_next < w0 + cb)
			sl->pf_next = w0 + cb;
		uint64_t want = w0 + cb * (1 + (uint64_t)sl->pf_depth);
		sl->pf_end = want < end ? want : end;
		if (sl->pf_next < sl->pf_end) {
			w->pf_slot = idx;
			w->pf_gen = sl->gen;
			if (!sl->pf_helped && w->svc->nreaders > 1 && sl->pf_end - sl->pf_next > cb) {
				/* An idle worker restores the window with us, chunk by chunk from the same cursor. */
				sl->pf_helped = 1;
				__atomic_store_n(&w->svc->help, ((uint64_t)sl->gen << 32) | idx, __ATOMIC_RELEASE);
				uint64_t one = 1;
				if (write(w->svc->help_efd, &one, sizeof(one)) < 0) {
					/* only on overflow: someone is asked already */
				}
			}
		}
	} else {
		sl->pf_depth = 0;
		sl->pf_next = sl->pf_end = 0;
		sl->pf_helped = 0;
	}
	sl->pf_expect = w0 + cb;
}

/* Whether every page of the chunk at w0 is present. */
static int all_present(const struct jr_env *env, const struct jr_slot *sl, uint64_t w0)
{
	unsigned char vec[JR_MAX_CHUNK_PAGES];
	uint64_t end = w0 + env->chunk_bytes < sl->base + sl->len ? w0 + env->chunk_bytes : sl->base + sl->len;
	uint64_t n = (end - w0) / env->page_size;
	if (jr_k_mincore(w0, end - w0, vec) != 0)
		return 0;
	for (uint64_t i = 0; i < n; i++)
		if (!(vec[i] & 1))
			return 0;
	return 1;
}

/* The end of this worker's restore of a chunk: whoever waits for it goes on. */
static void restored(struct jr_slot *sl, struct jr_worker *w)
{
	jr_slot_lock(sl);
	sl->inflight[w->id] = 0;
	jr_slot_broadcast(sl);
	jr_slot_unlock(sl);
}

/* Wakes [a, b): inside the hold window [h0, h1) WP stays for the marker; outside it WP is cleared (which
 * wakes), or kept with a wake when keep. The hold window cannot change meanwhile (window lock or slot lock). */
static void release_outside_hold(const struct jr_env *env, uint64_t h0, uint64_t h1, uint64_t a, uint64_t b, int keep)
{
	uint64_t ia = a > h0 ? a : h0, ib = b < h1 ? b : h1;
	if (ia >= ib)
		ia = ib = b; /* no overlap: all of [a, b) is outside */
	if (a < ia) {
		if (keep)
			jr_k_wake(env->uffd, a, ia - a);
		else
			jr_k_writeprotect(env->uffd, a, ia - a, 0);
	}
	if (ia < ib)
		jr_k_wake(env->uffd, ia, ib - ia);
	if (ib < b) {
		if (keep)
			jr_k_wake(env->uffd, ib, b - ib);
		else
			jr_k_writeprotect(env->uffd, ib, b - ib, 0);
	}
}

/* Clears WP on [a, b) outside the hold window [h0, h1) (which wakes whoever waits there); inside it WP stays. */
static void clear_wp_outside_hold(const struct jr_env *env, uint64_t h0, uint64_t h1, uint64_t a, uint64_t b)
{
	uint64_t ia = a > h0 ? a : h0, ib = b < h1 ? b : h1;
	if (ia >= ib) {
		jr_k_writeprotect(env->uffd, a, b - a, 0);
		return;
	}
	if (a < ia)
		jr_k_writeprotect(env->uffd, a, ia - a, 0);
	if (ib < b)
		jr_k_writeprotect(env->uffd, ib, b - ib, 0);
}

/*
 * Restores the missing runs of one chunk of a rebuildable source. Entered with the hazard set and the
 * window lock held shared, the slot lock held; returns with the slot lock released. page: the faulting
 * page, or 0 for a chunk restored ahead of the reader. Returns the pages installed; *wake: whether the
 * faulting page still needs a wake (no run covered it), sent by the caller after the hazard is cleared.
 */
static uint64_t restore_chunk(struct jr_worker *w, struct jr_slot *sl, const struct jr_source_ops *ops, uint64_t w0,
			      uint64_t page, int *wake)
{
	struct jr_service *svc = w->svc;
	const struct jr_env *env = &svc->env;
	uint64_t ps = env->page_size;
	/* Another worker restoring this chunk: wait for it rather than produce it twice; then the pages are
	 * there and the COPY below finds them present. */
	int waited = 0;
	for (;;) {
		int busy = 0;
		for (uint32_t i = 0; i < JR_MAX_WORKERS; i++)
			busy |= i != w->id && sl->inflight[i] == w0;
		if (!busy)
			break;
		if (ops->produce_blocks)
			leave_readers(w); /* it may be a slow file read: let another worker read events */
		jr_slot_wait(sl);
		waited = 1;
	}
	if (waited)
		TR_KIND(w, 16);
	/* A fault whose chunk was restored ahead of it (its event read after the prefetch) or while it waited:
	 * nothing to produce when every page is there already. Other faults skip this mincore. */
	int restored_before = (waited || (page && w0 < sl->pf_next)) && all_present(env, sl, w0);
	if (sl->state == JR_STATE_FREE || sl->state == JR_STATE_DEAD) { /* removed while we waited */
		jr_slot_unlock(sl);
		*wake = page != 0;
		return 0;
	}
	if (restored_before) {
		jr_slot_unlock(sl);
		TR_KIND(w, 8);
		count_pages(svc, sl->source, 0, page != 0);
		*wake = page != 0;
		return 0;
	}
	sl->inflight[w->id] = w0;
	uint64_t wend = w0 + env->chunk_bytes;
	if (wend > sl->base + sl->len)
		wend = sl->base + sl->len;
	uint64_t wlen = wend - w0;
	/* The hold window cannot change while we hold the window lock: read it now. */
	uint64_t h0 = sl->hold_start, h1 = sl->hold_end;
	int source = sl->source;
	/* Neither changes during the restore: a first write and a mark's hold take the window lock exclusive. */
	int keep = sl->written && !jr_written_test(env, sl, w0);
	int may_lose = ops->give_up && ops->loses_pages && ops->loses_pages(sl);
	jr_slot_unlock(sl);

	/* SNAPSHOT is restored from its chunk even before the first mark completes: the chunks that
	 * mark has done are lazyfree already, and a chunk without a snapshot yields zeros. Those zeros
	 * go in with COPY under the write-protect protocol too: a ZEROPAGE is never write-protected,
	 * so inside a marker's hold window a write could land before the marker's MADV_FREE and be
	 * dropped with the page. Without WP a SNAPSHOT range is never marked: zeros are right. */
	int use_zeropage = (!ops->produce && !env->wp) || (ops->needs_wp && !env->wp);
	/* ZERO with WP: zeros by COPY, write-protected, so that a write after the restore is seen (written.h);
	 * a ZEROPAGE page cannot be write-protected. */
	if (!use_zeropage && !ops->produce)
		memset(w->scratch, 0, wlen);
	else if (!use_zeropage) {
		if (ops->produce_blocks)
			leave_readers(w);
		/* state stays: removal waits for the hazard */
		int err = ops->produce(env, sl, w0, wlen, w->scratch, w->work);
		if (err) {
			/* Never hand out wrong bytes: poison the page, count the failure. */
			jr_add(&svc->c[JR_C_REBUILD_FAILURES], 1);
			jr_add(&sl->st[JR_RS_REBUILD_FAILURES], 1);
			if (page) {
				jr_add(&sl->st[JR_RS_PURGED_SINCE_MARK], 1);
				poison_page(svc, page);
			}
			restored(sl, w);
			*wake = 0;
			return 0;
		}
	}
	TR(w, JR_T_PRODUCED);

	/* The whole chunk in one ioctl when it is all missing (a purge drops whole chunks); if a page is
	 * present part-way, mincore tells the missing runs of the rest. Nothing here can fault on a
	 * registered range. */
	int wp = env->wp && !use_zeropage;
	struct run runs[MAX_RUNS];
	int nruns = 0;
	uint64_t from = w0;
	unsigned char vec[JR_MAX_CHUNK_PAGES];
	int have_vec = 0;
	if (may_lose && !use_zeropage) {
		/* Pages produce could not rebuild (on-purge ...,throw): poisoned by give_up, marked present in vec. */
		uint64_t n = wlen / ps;
		if (jr_k_mincore(w0, n * ps, vec) != 0)
			memset(vec, 0, n);
		jr_slot_lock(sl);
		ops->give_up(env, sl, w0, n, vec);
		jr_slot_unlock(sl);
		have_vec = 1;
	}
	if (!have_vec) {
		int64_t done = 0;
		const unsigned char *src = use_zeropage ? NULL : w->scratch;
		int r = src ? jr_k_copy(env->uffd, w0, src, wlen, wp, &done) : jr_k_zeropage(env->uffd, w0, wlen, &done);
		if (r == 0)
			done = (int64_t)wlen;
		if (done > 0) {
			runs[nruns++] = (struct run){w0, (uint64_t)done};
			from = w0 + (uint64_t)done;
		}
		if (r != 0 && (r == -EEXIST || done > 0))
			jr_add(&svc->c[JR_C_RACES], 1);
	}
	if (from < wend) {
		uint64_t npages = (wend - from) / ps;
		if (!have_vec && jr_k_mincore(from, npages * ps, vec) != 0)
			memset(vec, 0, npages); /* fall back to trying every page: EEXIST sorts it out */
		uint64_t i = 0;
		while (i < npages) {
			if (vec[i] & 1) {
				i++;
				continue;
			}
			uint64_t j = i;
			while (j < npages && !(vec[j] & 1))
				j++;
			const unsigned char *src = use_zeropage ? NULL : w->scratch + (from - w0) + i * ps;
			if (install(svc, from + i * ps, src, (j - i) * ps, wp, runs, &nruns) != 0)
				break;
			i = j;
		}
	}

	TR(w, JR_T_COPIED);
	uint64_t installed = 0;
	int covered = 0;
	for (int r = 0; r < nruns; r++) {
		installed += runs[r].len;
		covered |= page >= runs[r].start && page < runs[r].start + runs[r].len;
	}
	/* Counted before the wake (see the header). */
	count_pages(svc, source, installed / ps, page != 0);
	if (installed)
		jr_add(&sl->st[JR_RS_PAGES_RESTORED], installed / ps);
	if (!page)
		jr_add(&svc->c[JR_C_PREFETCHED_PAGES], installed / ps);
	if (wp) {
		/* Write-protected pages: the readers waiting on them go on now, before the MADV_FREE and the WP clear
		 * (docs/fault-path.md, "Wake before MADV_FREE"). A write to them takes a WP fault, whose worker
		 * waits for the window lock we hold shared (serve_wp), or is woken by the WP clear below, which
		 * comes after the MADV_FREE: either way it lands after it and is kept. */
		for (int r = 0; r < nruns; r++)
			jr_k_wake(env->uffd, runs[r].start, runs[r].len);
		if (covered)
			w->woken_ns = jr_k_now_ns();
	}
	TR(w, JR_T_WOKEN);
	for (int r = 0; r < nruns && !use_zeropage; r++) {
		jr_k_madvise(runs[r].start, runs[r].len, MADV_FREE);
		w->need_flush = 1;
	}
	TR(w, JR_T_FREED);
	/* Without WP a page is woken only once it is lazyfree (a write before the MADV_FREE would be dropped with
	 * it). With WP: clear it outside a marker's hold window, unless the chunk is tracked and not written since
	 * its mark; inside the window it stays for the marker. */
	for (int r = 0; r < nruns; r++) {
		uint64_t a = runs[r].start, b = runs[r].start + runs[r].len;
		if (!wp)
			jr_k_wake(env->uffd, a, b - a);
		else if (!keep)
			clear_wp_outside_hold(env, h0, h1, a, b);
	}
	restored(sl, w);
	*wake = page && !covered;
	return installed / ps;
}

/* A MISSING event, read at t_read. */
static void serve_missing(struct jr_worker *w, uint64_t addr, uint64_t t_read)
{
	struct jr_service *svc = w->svc;
	uint64_t ps = svc->env.page_size;
	uint64_t page = addr & ~(ps - 1);

	uint64_t delay = __atomic_load_n(&svc->test_delay_ns, __ATOMIC_RELAXED);
	if (delay) /* fault injection for tests: a slow source */
		jr_k_sleep_ns(delay);

	uint32_t idx = jr_table_lookup(&svc->table, page);
	if (idx == JR_NO_SLOT) {
		jr_add(&svc->c[JR_C_UNKNOWN_RANGE], 1);
		jr_k_wake(svc->env.uffd, page, ps);
		return;
	}
	jr_table_hazard_set(&svc->table, w->id, idx);
	struct jr_slot *sl = &svc->table.slots[idx];
	jr_window_restore_begin(sl);
	jr_slot_lock(sl);
	TR(w, JR_T_LOCKED);
	int state = sl->state;
	if (state != JR_STATE_FREE && state != JR_STATE_DEAD && page >= sl->base + sl->len) {
		/* The unused tail of a registered slot (range_memory.c): no range byte lives there, and a wake alone
		 * would let the toucher fault again for ever. A zero page ends it. */
		jr_slot_unlock(sl);
		jr_window_restore_end(sl);
		jr_table_hazard_clear(&svc->table, w->id);
		jr_add(&svc->c[JR_C_UNKNOWN_RANGE], 1);
		int64_t done = 0;
		jr_k_zeropage(svc->env.uffd, page, ps, &done); /* EEXIST: someone else installed it; wake either way */
		jr_k_wake(svc->env.uffd, page, ps);
		return;
	}
	if (state == JR_STATE_FREE || state == JR_STATE_DEAD || page < sl->base || page >= sl->base + sl->len) {
		jr_slot_unlock(sl);
		jr_window_restore_end(sl);
		jr_table_hazard_clear(&svc->table, w->id);
		jr_add(&svc->c[JR_C_FREED_RANGE], 1);
		jr_k_wake(svc->env.uffd, page, ps);
		return;
	}
	jr_add(&sl->st[JR_RS_FAULTS], 1);
	int source = sl->source;
	const struct jr_source_ops *ops = jr_source_ops(source);
	int wake = 0;
	if (ops->rebuilds) {
		uint64_t w0 = sl->base + ((page - sl->base) / svc->env.chunk_bytes) * svc->env.chunk_bytes;
		if (svc->prefetch && ops->produce)
			note_fault(w, idx, sl, w0);
		restore_chunk(w, sl, ops, w0, page, &wake);
	} else {
		serve_lost(svc, sl, state, page);
	}
	jr_window_restore_end(sl);
	jr_table_hazard_clear(&svc->table, w->id);
	if (wake)
		jr_k_wake(svc->env.uffd, page, ps);
	record_time(svc, source, t_read, w->woken_ns);
	w->woken_ns = 0;
	tr_commit(w, page, 1);
}

/* The next chunk of the prefetch window this worker follows, if any is left; the window ends when its
 * range is no longer what it was (removed, another generation) or no longer volatile or locked. */
static void prefetch_next(struct jr_worker *w)
{
	struct jr_service *svc = w->svc;
	uint32_t idx = w->pf_slot;
	w->pf_slot = JR_NO_SLOT;
	jr_table_hazard_set(&svc->table, w->id, idx);
	struct jr_slot *sl = &svc->table.slots[idx];
	jr_window_restore_begin(sl);
	jr_slot_lock(sl);
	TR(w, JR_T_LOCKED);
	int state = sl->state;
	uint64_t c = sl->pf_next;
	if (sl->gen != w->pf_gen || (state != JR_STATE_VOLATILE && state != JR_STATE_LOCKED) || c >= sl->pf_end ||
	    c < sl->base || c >= sl->base + sl->len) {
		if (sl->gen == w->pf_gen)
			sl->pf_helped = 0; /* we leave the window: its next extension asks for a helper again */
		jr_slot_unlock(sl);
	} else {
		sl->pf_next = c + svc->env.chunk_bytes;
		if (sl->pf_next < sl->pf_end)
			w->pf_slot = idx; /* more to come */
		int wake;
		restore_chunk(w, sl, jr_source_ops(sl->source), c, 0, &wake);
	}
	jr_window_restore_end(sl);
	jr_table_hazard_clear(&svc->table, w->id);
	tr_commit(w, c, 2);
}

/* A write to a write-protected page outside any hold window (the header): the first write to its chunk since
 * the mark. Records the chunk and clears its WP, which wakes the writer. Slot lock and window lock held. */
static void serve_first_write(struct jr_service *svc, struct jr_slot *sl, uint64_t page)
{
	const struct jr_env *env = &svc->env;
	int st = sl->state;
	if (!sl->written || st == JR_STATE_FREE || st == JR_STATE_DEAD || page < sl->base || page >= sl->base + sl->len) {
		jr_k_writeprotect(env->uffd, page, env->page_size, 0);
		return;
	}
	uint64_t a = sl->base + (page - sl->base) / env->chunk_bytes * env->chunk_bytes, b = a + env->chunk_bytes;
	if (b > sl->base + sl->len)
		b = sl->base + sl->len;
	jr_written_set(env, sl, a, b);
	release_outside_hold(env, sl->hold_start, sl->hold_end, a, b, 0);
}

static void serve_wp(struct jr_worker *w, uint64_t addr)
{
	struct jr_service *svc = w->svc;
	uint64_t ps = svc->env.page_size;
	uint64_t page = addr & ~(ps - 1);
	uint32_t idx = jr_table_lookup(&svc->table, page);
	if (idx == JR_NO_SLOT) {
		jr_k_writeprotect(svc->env.uffd, page, ps, 0);
		return;
	}
	jr_table_hazard_set(&svc->table, w->id, idx);
	struct jr_slot *sl = &svc->table.slots[idx];
	/* Exclusive: a restore between its COPY and its WP clear is never cut short (range_table.c). */
	jr_window_exclusive_begin(sl);
	jr_slot_lock(sl);
	/* Inside a hold window the marker clears WP (and wakes) when its copy is taken. */
	if (!jr_hold_covers(sl, page))
		serve_first_write(svc, sl, page);
	jr_slot_unlock(sl);
	jr_window_exclusive_end(sl);
	jr_table_hazard_clear(&svc->table, w->id);
}

static void serve_event(struct jr_worker *w, const struct uffd_msg *m, uint64_t t_read)
{
	if (m->event != UFFD_EVENT_PAGEFAULT)
		return;
	uint64_t flags = m->arg.pagefault.flags;
	uint64_t addr = m->arg.pagefault.address;
	if (flags & UFFD_PAGEFAULT_FLAG_WP) {
		jr_add(&w->svc->c[JR_C_WP_EVENTS], 1);
		serve_wp(w, addr);
	} else {
		jr_add(&w->svc->c[JR_C_EVENTS], 1);
		serve_missing(w, addr, t_read);
	}
}

static int stop_requested(struct jr_service *svc)
{
	return __atomic_load_n(&svc->stopping, __ATOMIC_ACQUIRE) == JR_STOP_REQUESTED;
}

/* Polling after a fault (not JR_SVC_NO_SPIN): the next fault of a burst is read at once instead of waking a
 * sleeping worker, whose CPU may be idle (docs/fault-path.md, "Polling between faults"). One worker polls at a
 * time, for SPIN_NS after the last fault it served. */
static int spin_on(struct jr_service *svc, struct jr_worker *w)
{
	uint32_t me = w->id + 1, cur = __atomic_load_n(&svc->spinner, __ATOMIC_RELAXED);
	if (jr_k_now_ns() >= w->spin_until)
		return 0;
	if (cur == me)
		return 1;
	return cur == 0 && __atomic_compare_exchange_n(&svc->spinner, &cur, me, 0, __ATOMIC_RELAXED, __ATOMIC_RELAXED);
}

static void spin_end(struct jr_service *svc, struct jr_worker *w)
{
	uint32_t me = w->id + 1;
	w->spin_until = 0;
	if (__atomic_load_n(&svc->spinner, __ATOMIC_RELAXED) == me)
		__atomic_store_n(&svc->spinner, 0, __ATOMIC_RELAXED);
}

static void *worker_main(void *arg)
{
	struct jr_worker *w = arg;
	struct jr_service *svc = w->svc;
	sigset_t all;
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	pthread_sigmask(SIG_BLOCK, &all, NULL); /* process signals go to the JVM's threads */
	if (svc->slice_ns)
		jr_k_set_slice(svc->slice_ns); /* best effort: a kernel without it keeps its default slice */

	for (;;) {
		if (!w->reader) {
			while (sem_wait(&svc->readers) != 0)
				; /* EINTR */
			w->reader = 1;
			if (stop_requested(svc))
				break;
		}
		/* One event per read: the others stay for the other readers. */
		struct uffd_msg m;
		ssize_t n = read(svc->env.uffd, &m, sizeof(m));
		if (n == (ssize_t)sizeof(m)) {
			uint64_t t_read = jr_k_now_ns();
#ifdef JR_TRACE
			w->tr.t[JR_T_READ] = t_read;
			w->tr.cpu_read = sched_getcpu();
#endif
			spin_end(svc, w);
			serve_event(w, &m, t_read);
			if (svc->spin && m.event == UFFD_EVENT_PAGEFAULT)
				w->spin_until = jr_k_now_ns() + SPIN_NS;
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
		if (w->pf_slot != JR_NO_SLOT) { /* no event waits: restore ahead of the reader */
			prefetch_next(w);
			continue;
		}
		if (w->need_flush) {
			jr_k_flush_lazyfree(svc->env.dummy, svc->env.page_size);
			w->need_flush = 0;
		}
		if (stop_requested(svc))
			break;
		if (w->spin_until && spin_on(svc, w)) {
			sched_yield(); /* whatever else is runnable on this CPU (the woken faulter) goes first */
			continue;
		}
		spin_end(svc, w);
		struct epoll_event ev[2];
		/* A closed descriptor leaves the epoll sets without a word: worker 0 reads again every second,
		 * which then fails with EBADF. */
		int r = epoll_wait(w->epfd, ev, 2, w->id == 0 ? 1000 : -1);
#ifdef JR_TRACE
		w->tr.t[JR_T_IDLE] = jr_k_now_ns();
		w->tr.kind = 4;
#endif
		if (r < 0 && errno != EINTR) {
			jr_add(&svc->c[JR_C_READ_ERRORS], 1);
			jr_k_sleep_ns(1000000); /* ENOMEM: transient, see above */
			continue;
		}
		for (int i = 0; i < r; i++) {
			if (ev[i].data.u32 == 1)
				goto out; /* stop_efd: never read, so every worker sees it */
			if (ev[i].data.u32 == 2) { /* a window to help with (note_fault) */
				uint64_t v;
				if (read(svc->help_efd, &v, sizeof(v)) == (ssize_t)sizeof(v) &&
				    (v = __atomic_exchange_n(&svc->help, 0, __ATOMIC_ACQ_REL)) != 0 && w->pf_slot == JR_NO_SLOT) {
					w->pf_slot = (uint32_t)v;
					w->pf_gen = (uint32_t)(v >> 32);
				}
				continue;
			}
			if (ev[i].events & (EPOLLERR | EPOLLHUP)) {
				__atomic_store_n(&svc->fatal_errno, EBADF, __ATOMIC_RELEASE);
				goto out;
			}
		}
	}
out:
	if (w->reader) {
		w->reader = 0;
		sem_post(&svc->readers);
	}
	return NULL;
}

static void free_service(struct jr_service *svc)
{
	jr_table_destroy(&svc->table);
	jr_files_free(svc->env.files);
	jr_spill_close(svc->env.spill); /* after the ranges released their chunks */
	for (uint32_t i = 0; svc->workers && i < svc->nworkers; i++) {
		struct jr_worker *w = &svc->workers[i];
		if (w->scratch)
			jr_k_unmap((uint64_t)(uintptr_t)w->scratch, svc->env.chunk_bytes);
		if (w->work)
			jr_k_unmap((uint64_t)(uintptr_t)w->work, WORK_BYTES);
		if (w->epfd > 0)
			close(w->epfd);
	}
	free(svc->workers);
	if (svc->env.dummy)
		jr_k_unmap((uint64_t)(uintptr_t)svc->env.dummy, svc->env.page_size);
	free(svc);
}

/* quota / period CPUs, rounded up, from a cgroup file holding "quota period" (v2 cpu.max: "max" is no limit) or,
 * with a second file, v1's cpu.cfs_quota_us and cpu.cfs_period_us (-1: no limit). 0: no limit or unreadable. */
static uint32_t quota_cpus(const char *file, const char *period_file)
{
	char buf[64] = {0};
	long long quota = -1, period = 0;
	FILE *f = fopen(file, "re");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f))
		buf[0] = 0;
	fclose(f);
	if (!period_file) {
		if (sscanf(buf, "%lld %lld", &quota, &period) != 2)
			return 0; /* "max ..." */
	} else {
		quota = atoll(buf);
		if (!(f = fopen(period_file, "re")))
			return 0;
		if (fscanf(f, "%lld", &period) != 1)
			period = 0;
		fclose(f);
	}
	if (quota <= 0 || period <= 0)
		return 0;
	return (uint32_t)((quota + period - 1) / period);
}

/* The fewest CPUs a CPU quota of this process's cgroup or of one of its parents allows (cgroup v2 cpu.max, v1
 * cpu.cfs_quota_us), or 0 when none is set or none can be read. */
static uint32_t cgroup_cpus(void)
{
	FILE *f = fopen("/proc/self/cgroup", "re");
	if (!f)
		return 0;
	char line[1024], path[1024], file[1200], period[1200];
	uint32_t best = 0;
	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		if (!c2)
			continue;
		*c2 = 0;
		int v2 = c1[1] == 0;
		const char *ctl = c1 + 1;
		if (!v2 && !strstr(ctl, "cpu"))
			continue;
		snprintf(path, sizeof(path), "%s", c2 + 1);
		path[strcspn(path, "\n")] = 0;
		for (;;) { /* this cgroup, then each parent */
			uint32_t n;
			if (v2) {
				snprintf(file, sizeof(file), "/sys/fs/cgroup%s/cpu.max", path);
				n = quota_cpus(file, NULL);
				if (!n) {
					snprintf(file, sizeof(file), "/sys/fs/cgroup/unified%s/cpu.max", path);
					n = quota_cpus(file, NULL);
				}
			} else {
				snprintf(file, sizeof(file), "/sys/fs/cgroup/cpu%s/cpu.cfs_quota_us", path);
				snprintf(period, sizeof(period), "/sys/fs/cgroup/cpu%s/cpu.cfs_period_us", path);
				n = quota_cpus(file, period);
			}
			if (n && (!best || n < best))
				best = n;
			char *slash = strrchr(path, '/');
			if (!slash || slash == path)
				break;
			*slash = 0;
		}
	}
	fclose(f);
	return best;
}

/* Readers: the flags' count, else one per CPU this thread may run on, at least 2, or as many as the cgroup's CPU
 * quota allows when that is fewer (the application needs its CPUs too; the spare workers still cover file reads). */
static uint32_t readers_wanted(uint32_t flags)
{
	uint32_t n = (flags >> JR_SVC_WORKERS_SHIFT) & 0xff;
	if (!n) {
		cpu_set_t set;
		n = sched_getaffinity(0, sizeof(set), &set) == 0 ? (uint32_t)CPU_COUNT(&set) : 2;
		if (n < 2)
			n = 2;
		uint32_t q = cgroup_cpus();
		if (q && q < n)
			n = q;
	}
	if (n > JR_MAX_WORKERS - JR_BLOCKED_WORKERS)
		n = JR_MAX_WORKERS - JR_BLOCKED_WORKERS;
	return n;
}

static int setup_worker(struct jr_service *svc, struct jr_worker *w, uint32_t id)
{
	w->svc = svc;
	w->id = id;
	w->pf_slot = JR_NO_SLOT;
	w->scratch = jr_k_map(svc->env.chunk_bytes);
	w->work = jr_k_map(WORK_BYTES);
	w->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (!w->scratch || !w->work || w->epfd < 0)
		return -ENOMEM;
	/* EPOLLEXCLUSIVE: an event wakes one waiting worker, not all of them. */
	struct epoll_event u = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.u32 = 0};
	struct epoll_event s = {.events = EPOLLIN, .data.u32 = 1};
	struct epoll_event h = {.events = EPOLLIN | EPOLLEXCLUSIVE, .data.u32 = 2};
	if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, svc->env.uffd, &u) != 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, svc->stop_efd, &s) != 0 ||
	    epoll_ctl(w->epfd, EPOLL_CTL_ADD, svc->help_efd, &h) != 0)
		return -errno;
	return 0;
}

static void stop_workers(struct jr_service *svc)
{
	__atomic_store_n(&svc->stopping, JR_STOP_REQUESTED, __ATOMIC_RELEASE);
	uint64_t one = 1;
	if (write(svc->stop_efd, &one, sizeof(one)) < 0) {
		/* eventfd write fails only on overflow; the flag above stops the loop anyway */
	}
	for (uint32_t i = 0; i < svc->nworkers; i++)
		sem_post(&svc->readers); /* the workers waiting for a reader's place */
	for (uint32_t i = 0; i < svc->nworkers; i++)
		if (svc->workers[i].started)
			pthread_join(svc->workers[i].thread, NULL);
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
	svc->prefetch = (flags & JR_SVC_NO_PREFETCH) == 0;
	svc->spin = (flags & JR_SVC_NO_SPIN) == 0;
	svc->slice_ns = (flags & JR_SVC_DEFAULT_SLICE) ? 0 : SLICE_NS;
	svc->env.page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	svc->env.chunk_pages = chunk_pages;
	svc->env.chunk_bytes = svc->env.page_size * chunk_pages;
	svc->env.c = svc->c;
	svc->env.snapshot_min_ratio_pct = JR_SNAPSHOT_MIN_RATIO_PCT;
	svc->env.snapshot_max_bytes = UINT64_MAX;
	svc->stop_efd = svc->help_efd = -1;
	int err = jr_table_init(&svc->table, capacity);
	if (err)
		goto fail;
	svc->env.files = jr_files_new(svc->c);
	svc->env.dummy = jr_k_map(svc->env.page_size);
	svc->nreaders = readers_wanted(flags);
	svc->nworkers = svc->nreaders + JR_BLOCKED_WORKERS;
	svc->workers = calloc(svc->nworkers, sizeof(*svc->workers));
	if (!svc->env.files || !svc->env.dummy || !svc->workers) {
		err = -ENOMEM;
		goto fail;
	}
	svc->stop_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (svc->stop_efd < 0) {
		err = -errno;
		goto fail;
	}
	svc->help_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (svc->help_efd < 0) {
		err = -errno;
		goto fail_efd;
	}
	for (uint32_t i = 0; i < svc->nworkers; i++)
		if ((err = setup_worker(svc, &svc->workers[i], i)) != 0)
			goto fail_efd;
	sem_init(&svc->readers, 0, svc->nreaders);
	/* Running from now on: events that arrive before a worker reaches its loop wait in the
	 * descriptor, so callers may mark ranges as soon as this returns. */
	svc->running = 1;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 256 * 1024);
	for (uint32_t i = 0; i < svc->nworkers && !err; i++) {
		struct jr_worker *w = &svc->workers[i];
		err = -pthread_create(&w->thread, &attr, worker_main, w);
		if (!err) {
			w->started = 1;
			pthread_setname_np(w->thread, "jreclaim-fault");
		}
	}
	pthread_attr_destroy(&attr);
	if (err) {
		stop_workers(svc);
		sem_destroy(&svc->readers);
		goto fail_efd;
	}
	*out = svc;
	return 0;
fail_efd:
	close(svc->stop_efd);
	if (svc->help_efd >= 0)
		close(svc->help_efd);
fail:
	free_service(svc);
	return err;
}

/* Ends the workers and frees the service. The caller (FaultService.close) has detached every
 * range first, so no thread can be waiting on this descriptor; the descriptor itself belongs to
 * the caller, who closes it afterwards (closing wakes any waiter the kernel still knows of). A
 * range still live here loses its source state; its mapping is left alone. */
JR_API int jr_service_stop(struct jr_service *svc)
{
	if (!svc)
		return -EBADF;
	stop_workers(svc);
	__atomic_store_n(&svc->running, 0, __ATOMIC_RELEASE);
	sem_destroy(&svc->readers);
	close(svc->stop_efd);
	close(svc->help_efd);
	for (uint32_t i = 0; i < jr_table_used(&svc->table); i++) {
		struct jr_slot *sl = &svc->table.slots[i];
		if (sl->state != JR_STATE_FREE) {
			jr_source_ops(sl->source)->release(sl, 0);
			jr_written_free(&svc->env, sl);
		}
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
		       svc->nworkers * (sizeof(struct jr_worker) + svc->env.chunk_bytes + WORK_BYTES) +
		       svc->env.page_size + ms[JR_MS_RECYCLED_BYTES]; /* the file table counts in JR_C_RECORDS_HELD */
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
