/*
 * The fault service: one pthread, started by jr_service_start through an FFM downcall and
 * never attached to the JVM. It reads userfaultfd events and answers each from the range
 * table without calling into Java, because a thread faulting from Java code stays
 * _thread_in_Java while it waits and so holds up every safepoint until we answer.
 *
 * Answer per source (the whole chunk around the fault is restored in as few ioctls as the
 * present pages allow):
 *   ZERO      UFFDIO_ZEROPAGE of the missing pages of the chunk.
 *   SNAPSHOT  decompress the chunk (zeros if it has no snapshot yet), UFFDIO_COPY the missing
 *             runs (write-protect protocol).
 *   FILE      pread the chunk, UFFDIO_COPY the missing runs (write-protect protocol).
 *   POISON    volatile: UFFDIO_POISON the page (the toucher gets SIGBUS) and count it purged;
 *             otherwise a zero page (never marked, or being settled by lock/close).
 *
 * Write-protect protocol (design notes section 9), so that a restored page becomes
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
#include "jr_internal.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define MAX_MSGS 64


static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void jr_flush_lazyfree(struct jr_service *svc)
{
	/* A page freed last can sit in this CPU's lazyfree batch and escape a purge from
	 * another CPU; MADV_FREE of a never-touched page drains the batch (notes section 9). */
	madvise(svc->dummy, svc->page_size, MADV_FREE);
}

/*
 * Drains the per-CPU page batches of every CPU this thread may run on, by moving to each in
 * turn and draining there (MADV_FREE starts with lru_add_drain() of the current CPU). A page
 * faulted in shortly before a mark may still sit in another CPU's lru_add batch, off the LRU:
 * MADV_FREE then cannot make it lazyfree, and the page stays resident (safe, but never
 * reclaimed); a page just marked may sit in a lazyfree batch that MADV_PAGEOUT cannot see.
 * Costs one migration per CPU, so only mark and purge use it, not the fault path.
 */
void jr_drain_all_cpus(struct jr_service *svc)
{
	cpu_set_t allowed, one;
	if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0) {
		jr_flush_lazyfree(svc);
		return;
	}
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (!CPU_ISSET(cpu, &allowed))
			continue;
		CPU_ZERO(&one);
		CPU_SET(cpu, &one);
		if (sched_setaffinity(0, sizeof(one), &one) == 0)
			jr_flush_lazyfree(svc);
	}
	sched_setaffinity(0, sizeof(allowed), &allowed);
}

struct run {
	uint64_t start, len;
};

#define MAX_RUNS 64

/* Installs [dst, dst+len) from src with COPY (src != NULL) or ZEROPAGE, page by page past
 * present pages. Records the sub-runs actually installed. Returns 0, or -errno when the
 * range is gone (unregistered/unmapped) or the kernel refuses for another reason. */
static int install(struct jr_service *svc, uint64_t dst, const unsigned char *src, uint64_t len, int wp,
		   struct run *runs, int *nruns)
{
	uint64_t ps = svc->page_size, off = 0;
	int enomem = 0, again = 0;
	while (off < len) {
		long done;
		int r, e;
		if (src) {
			struct uffdio_copy c = {.dst = dst + off,
						.src = (uint64_t)(uintptr_t)(src + off),
						.len = len - off,
						.mode = UFFDIO_COPY_MODE_DONTWAKE | (wp ? UFFDIO_COPY_MODE_WP : 0)};
			r = ioctl(svc->uffd, UFFDIO_COPY, &c);
			e = errno;
			done = (long)c.copy;
		} else {
			struct uffdio_zeropage z = {.range = {.start = dst + off, .len = len - off},
						    .mode = UFFDIO_ZEROPAGE_MODE_DONTWAKE};
			r = ioctl(svc->uffd, UFFDIO_ZEROPAGE, &z);
			e = errno;
			done = (long)z.zeropage;
		}
		if (r == 0) {
			done = (long)(len - off);
		}
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
		if (e == EEXIST || (e == EAGAIN && done > 0)) {
			/* A page is present: someone else installed it, or it was never purged. */
			jr_add(&svc->c[JR_C_RACES], 1);
			if (e == EEXIST)
				off += ps;
			continue;
		}
		if (e == EAGAIN && again++ < 1000) /* mm changing under us: try again */
			continue;
		if (e == ENOMEM && enomem++ < 3) {
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
			continue;
		}
		jr_add(&svc->c[JR_C_INSTALL_ERRORS], 1);
		return -e;
	}
	return 0;
}

static void count_source(struct jr_service *svc, int source, uint64_t pages, uint64_t ns)
{
	jr_add(&svc->c[JR_C_SRC_FAULTS(source)], 1);
	jr_add(&svc->c[JR_C_SRC_PAGES(source)], pages);
	jr_add(&svc->c[JR_C_SRC_BYTES(source)], pages * svc->page_size);
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
	struct uffdio_poison p = {.range = {.start = page, .len = svc->page_size}, .mode = 0};
	if (ioctl(svc->uffd, UFFDIO_POISON, &p) != 0 && errno != EEXIST) {
		jr_add(&svc->c[JR_C_INSTALL_ERRORS], 1);
		jr_wake(svc, page, svc->page_size);
	}
}

/* Fills svc->scratch with the chunk [w0, w0+wlen) of a SNAPSHOT or FILE range. Called with
 * the slot lock held for SNAPSHOT (the marker swaps chunks under it). Returns 0 or -errno. */
static int produce(struct jr_service *svc, struct jr_slot *sl, uint64_t w0, uint64_t wlen)
{
	if (sl->source == JR_SOURCE_SNAPSHOT) {
		uint32_t ci = (uint32_t)((w0 - sl->base) / svc->chunk_bytes);
		struct jr_chunk *c = ci < sl->nchunks ? sl->chunks[ci] : NULL;
		if (!c) {
			memset(svc->scratch, 0, wlen);
			return 0;
		}
		return jr_chunk_decode(c, svc->scratch, wlen);
	}
	/* FILE: bytes past the end of the file read as zero, as in a private file mapping. */
	uint64_t got = 0;
	while (got < wlen) {
		ssize_t n = pread(sl->file_fd, svc->scratch + got, wlen - got, (off_t)(sl->file_off + (w0 - sl->base) + got));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		got += (uint64_t)n;
	}
	memset(svc->scratch + got, 0, wlen - got);
	return 0;
}

static void serve_missing(struct jr_service *svc, uint64_t addr)
{
	uint64_t ps = svc->page_size;
	uint64_t page = addr & ~(ps - 1);
	uint64_t t0 = now_ns();

	uint64_t delay = __atomic_load_n(&svc->test_delay_ns, __ATOMIC_RELAXED);
	if (delay) { /* fault injection for tests: a slow source */
		struct timespec ts = {(time_t)(delay / 1000000000ull), (long)(delay % 1000000000ull)};
		nanosleep(&ts, NULL);
	}

	uint32_t idx = jr_index_lookup(svc, page);
	if (idx == JR_NO_SLOT) {
		jr_add(&svc->c[JR_C_UNKNOWN_RANGE], 1);
		jr_wake(svc, page, ps);
		return;
	}
	__atomic_store_n(&svc->current_slot, idx, __ATOMIC_SEQ_CST);
	struct jr_slot *sl = &svc->slots[idx];
	pthread_mutex_lock(&sl->lock);
	int state = sl->state;
	if (state == JR_STATE_FREE || state == JR_STATE_DEAD || page < sl->base || page >= sl->base + sl->len) {
		pthread_mutex_unlock(&sl->lock);
		__atomic_store_n(&svc->current_slot, JR_NO_SLOT, __ATOMIC_SEQ_CST);
		jr_add(&svc->c[JR_C_FREED_RANGE], 1);
		jr_wake(svc, page, ps);
		return;
	}
	int source = sl->source;
	jr_add(&sl->st[JR_RS_FAULTS], 1);

	/* The chunk around the fault. */
	uint64_t w0 = sl->base + ((page - sl->base) / svc->chunk_bytes) * svc->chunk_bytes;
	uint64_t wend = w0 + svc->chunk_bytes;
	if (wend > sl->base + sl->len)
		wend = sl->base + sl->len;
	uint64_t wlen = wend - w0;

	if (source == JR_SOURCE_POISON) {
		/* Every page was populated at mark, so a missing page after it was purged; before
		 * the first mark it was merely never touched. */
		int volatile_now = sl->ever_marked && state == JR_STATE_VOLATILE;
		if (sl->ever_marked && (state == JR_STATE_VOLATILE || state == JR_STATE_LOCKING))
			jr_add(&sl->st[JR_RS_PURGED_SINCE_MARK], 1);
		/* Counted before the answer wakes the toucher, so whoever it tells sees the count. */
		uint64_t dt = now_ns() - t0;
		count_source(svc, source, 1, dt);
		record_latency(svc, dt);
		if (volatile_now) {
			/* Under the slot lock, so a locker that read the poison count sees this one. */
			jr_add(&sl->st[JR_RS_PAGES_POISONED], 1);
			poison_page(svc, page);
		}
		pthread_mutex_unlock(&sl->lock);
		if (!volatile_now) {
			struct run runs[1];
			int n = 0;
			install(svc, page, NULL, ps, 0, runs, &n);
			jr_wake(svc, page, ps);
		}
		__atomic_store_n(&svc->current_slot, JR_NO_SLOT, __ATOMIC_SEQ_CST);
		return;
	}

	/* SNAPSHOT is restored from its chunk even before the first mark completes: the chunks that
	 * mark has done are lazyfree already, and a chunk without a snapshot yields zeros. Those zeros
	 * go in with COPY under the write-protect protocol too: a ZEROPAGE is never write-protected,
	 * so inside a marker's hold window a write could land before the marker's MADV_FREE and be
	 * dropped with the page. Without WP a SNAPSHOT range is never marked: zeros are right. */
	int use_zeropage = source == JR_SOURCE_ZERO || (source == JR_SOURCE_SNAPSHOT && !(svc->flags & JR_SVC_WP));
	int err = 0;
	if (!use_zeropage && source == JR_SOURCE_SNAPSHOT)
		err = produce(svc, sl, w0, wlen);
	if (!use_zeropage && source == JR_SOURCE_FILE) {
		pthread_mutex_unlock(&sl->lock); /* pread may block */
		err = produce(svc, sl, w0, wlen); /* fd stays open: removal waits for current_slot */
		pthread_mutex_lock(&sl->lock);
	}

	if (err) {
		pthread_mutex_unlock(&sl->lock);
		/* Never hand out wrong bytes: poison the page, count the failure. */
		jr_add(&svc->c[JR_C_REBUILD_FAILURES], 1);
		jr_add(&sl->st[JR_RS_REBUILD_FAILURES], 1);
		jr_add(&sl->st[JR_RS_PURGED_SINCE_MARK], 1);
		poison_page(svc, page);
		__atomic_store_n(&svc->current_slot, JR_NO_SLOT, __ATOMIC_SEQ_CST);
		return;
	}

	/* Find the missing runs of the chunk and install them. The slot lock stays held until WP is
	 * cleared: otherwise a marker's hold over these pages could end between our COPY and our
	 * MADV_FREE, and its WP clear would let a write land before the MADV_FREE that then makes it
	 * droppable. Nothing here can fault on a registered range. */
	unsigned char vec[JR_MAX_CHUNK_PAGES];
	uint64_t npages = wlen / ps;
	if (npages > sizeof(vec))
		npages = sizeof(vec);
	if (mincore((void *)(uintptr_t)w0, npages * ps, vec) != 0)
		memset(vec, 0, npages); /* fall back to trying every page: EEXIST sorts it out */
	int wp = (svc->flags & JR_SVC_WP) && !use_zeropage;
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
			madvise((void *)(uintptr_t)runs[r].start, runs[r].len, MADV_FREE);
			svc->need_flush = 1;
		}
	}

	/* Counted before the answer wakes the faulter, so whoever it tells sees the count. */
	uint64_t dt = now_ns() - t0;
	count_source(svc, source, installed / ps, dt);
	record_latency(svc, dt);
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
			jr_wake(svc, a, b - a);
			continue;
		}
		uint64_t ia = a > h0 ? a : h0, ib = b < h1 ? b : h1;
		if (ia < ib) {
			if (a < ia)
				jr_wp(svc, a, ia - a, 0);
			jr_wake(svc, ia, ib - ia);
			if (ib < b)
				jr_wp(svc, ib, b - ib, 0);
		} else {
			jr_wp(svc, a, b - a, 0);
		}
	}
	pthread_mutex_unlock(&sl->lock);
	__atomic_store_n(&svc->current_slot, JR_NO_SLOT, __ATOMIC_SEQ_CST);
	if (!covered)
		jr_wake(svc, page, ps);
}

static void serve_wp(struct jr_service *svc, uint64_t addr)
{
	uint64_t ps = svc->page_size;
	uint64_t page = addr & ~(ps - 1);
	uint32_t idx = jr_index_lookup(svc, page);
	if (idx == JR_NO_SLOT) {
		jr_wp(svc, page, ps, 0);
		return;
	}
	__atomic_store_n(&svc->current_slot, idx, __ATOMIC_SEQ_CST);
	struct jr_slot *sl = &svc->slots[idx];
	pthread_mutex_lock(&sl->lock);
	/* Inside a hold window the marker clears WP (and wakes) when its copy is taken. */
	if (!(page >= sl->hold_start && page < sl->hold_end))
		jr_wp(svc, page, ps, 0);
	pthread_mutex_unlock(&sl->lock);
	__atomic_store_n(&svc->current_slot, JR_NO_SLOT, __ATOMIC_SEQ_CST);
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
	struct pollfd pfd[2] = {{.fd = svc->uffd, .events = POLLIN}, {.fd = svc->stop_efd, .events = POLLIN}};
	for (;;) {
		ssize_t n = read(svc->uffd, msgs, sizeof(msgs));
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
			struct timespec ts = {0, 1000000};
			nanosleep(&ts, NULL);
			continue;
		}
		if (svc->need_flush) {
			jr_flush_lazyfree(svc);
			svc->need_flush = 0;
		}
		if (__atomic_load_n(&svc->stopping, __ATOMIC_ACQUIRE) == JR_STOP_REQUESTED)
			break;
		int r = poll(pfd, 2, -1);
		if (r < 0 && errno != EINTR) {
			jr_add(&svc->c[JR_C_READ_ERRORS], 1);
			struct timespec ts = {0, 1000000}; /* ENOMEM: transient, see above */
			nanosleep(&ts, NULL);
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

JR_API int64_t jr_service_start(int uffd, uint32_t flags, uint32_t capacity, uint32_t chunk_pages,
				struct jr_service **out)
{
	if (uffd < 0 || capacity == 0 || chunk_pages == 0 || chunk_pages > JR_MAX_CHUNK_PAGES || !out)
		return -EINVAL;
	struct jr_service *svc = calloc(1, sizeof(*svc));
	if (!svc)
		return -ENOMEM;
	svc->uffd = uffd;
	svc->flags = flags;
	svc->page_size = (uint64_t)sysconf(_SC_PAGESIZE);
	svc->capacity = capacity;
	svc->chunk_pages = chunk_pages;
	svc->chunk_bytes = svc->page_size * chunk_pages;
	int err = jr_table_init(svc);
	if (err)
		goto fail;
	svc->scratch = mmap(NULL, svc->chunk_bytes * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	svc->dummy = mmap(NULL, svc->page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (svc->scratch == MAP_FAILED || svc->dummy == MAP_FAILED) {
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
	jr_table_destroy(svc);
	if (svc->scratch && svc->scratch != MAP_FAILED)
		munmap(svc->scratch, svc->chunk_bytes * 2);
	if (svc->dummy && svc->dummy != MAP_FAILED)
		munmap(svc->dummy, svc->page_size);
	free(svc);
	return err;
}

/* Ends the thread and frees the service. The caller (FaultService.close) has settled and
 * unregistered every range first, so no thread can be waiting on this descriptor; the
 * descriptor itself belongs to the caller, who closes it afterwards (closing wakes any
 * waiter the kernel still knows of). */
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
	jr_table_destroy(svc);
	munmap(svc->scratch, svc->chunk_bytes * 2);
	munmap(svc->dummy, svc->page_size);
	free(svc);
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
