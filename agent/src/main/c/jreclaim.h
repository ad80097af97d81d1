/*
 * libjreclaim: the fault service and the range table it reads.
 *
 * Java (agent/, package dev.jreclaim.agent.linux) is the only caller. Every function is
 * called through one FFM downcall; none calls back into Java, and the service thread is
 * never attached to the JVM (see shared design notes, section 3: a thread that resolves
 * faults must never need a safepoint).
 *
 * Return convention: >= 0 success, -errno on failure.
 */
#ifndef JRECLAIM_H
#define JRECLAIM_H

#include <stdint.h>

#define JR_API __attribute__((visibility("default")))

/* Rebuild sources: what the service installs when a purged page of a range is touched. */
enum jr_source {
	JR_SOURCE_ZERO = 0,     /* zero-filled page, chosen by the application */
	JR_SOURCE_SNAPSHOT = 1, /* LZ4 copy taken at mark time */
	JR_SOURCE_POISON = 2,   /* next touch raises SIGBUS; lock() reports PURGED */
	JR_SOURCE_FILE = 3,     /* pread from a file descriptor at an offset */
	JR_SOURCE_COUNT = 4
};

/* Range states. The state machine is documented in range_protocol.c. */
enum jr_state {
	JR_STATE_FREE = 0,     /* slot unused */
	JR_STATE_LOCKED = 1,   /* non-volatile: the application owns every byte */
	JR_STATE_MARKING = 2,  /* a marker thread is taking the snapshot / applying MADV_FREE */
	JR_STATE_VOLATILE = 3, /* marked: the kernel may drop clean pages */
	JR_STATE_LOCKING = 4,  /* a locker thread is settling pages (POISON, close) */
	JR_STATE_DEAD = 5      /* being removed: the service no longer touches it */
};

/* Lock results. */
enum jr_lock_result { JR_INTACT = 0, JR_PURGED = 1 };

/* Service-wide counters, read with jr_service_counters(). */
enum jr_counter {
	JR_C_EVENTS = 0,          /* MISSING events read */
	JR_C_WP_EVENTS,           /* write-protect events read */
	JR_C_UNKNOWN_RANGE,       /* events for an address in no range (stale, after removal) */
	JR_C_FREED_RANGE,         /* events for a range being removed */
	JR_C_RACES,               /* COPY/ZEROPAGE met a page already present (EEXIST/EAGAIN) */
	JR_C_REBUILD_FAILURES,    /* a source could not produce the bytes; the page was poisoned */
	JR_C_MAX_NS,              /* slowest single event, ns */
	JR_C_COPY_ERRORS,         /* ioctl failures other than races */
	JR_C_SRC_BASE = 8,        /* then per source s: FAULTS, PAGES, BYTES, NS at 8 + 4*s */
	JR_C_COUNT = JR_C_SRC_BASE + 4 * JR_SOURCE_COUNT
};
#define JR_C_SRC_FAULTS(s) (JR_C_SRC_BASE + 4 * (s) + 0)
#define JR_C_SRC_PAGES(s) (JR_C_SRC_BASE + 4 * (s) + 1)
#define JR_C_SRC_BYTES(s) (JR_C_SRC_BASE + 4 * (s) + 2)
#define JR_C_SRC_NS(s) (JR_C_SRC_BASE + 4 * (s) + 3)
#define JR_HIST_BUCKETS 40 /* bucket i counts events that took [2^i, 2^(i+1)) ns */

/* Per-range figures, read with jr_range_stats(). */
enum jr_range_stat {
	JR_RS_STATE = 0,
	JR_RS_SOURCE,
	JR_RS_FAULTS,
	JR_RS_PAGES_RESTORED,    /* pages installed by the service (any source) */
	JR_RS_PAGES_POISONED,
	JR_RS_PURGED_SINCE_MARK, /* pages found purged that could not be rebuilt */
	JR_RS_SNAPSHOT_BYTES,    /* compressed snapshot held for the range */
	JR_RS_MARKS,
	JR_RS_REBUILD_FAILURES,
	JR_RS_COUNT
};

/* Service flags. */
#define JR_SVC_WP 1u /* the range registrations use UFFDIO_REGISTER_MODE_WP */

struct jr_service;

JR_API int jr_version(void);
JR_API int jr_lz4_available(void);

JR_API int64_t jr_service_start(int uffd, uint32_t flags, uint32_t capacity, uint32_t chunk_pages,
				struct jr_service **out);
JR_API int jr_service_stop(struct jr_service *svc);
JR_API int jr_service_alive(struct jr_service *svc);
JR_API int jr_service_counters(struct jr_service *svc, uint64_t *out, int n);
JR_API int jr_service_histogram(struct jr_service *svc, uint64_t *out, int n);
JR_API int jr_service_set_test_delay(struct jr_service *svc, uint64_t ns);
JR_API int jr_service_live_ranges(struct jr_service *svc);
JR_API int jr_service_drain_cpus(struct jr_service *svc);

/* watchdog.c: ends the process with _exit(status) after millis unless disarmed. */
JR_API int jr_watchdog_arm(uint64_t millis, int status, const char *message);
JR_API int jr_watchdog_message(const char *message);
JR_API int jr_watchdog_disarm(void);

JR_API int64_t jr_range_add(struct jr_service *svc, uint64_t base, uint64_t len, int source, int file_fd,
			    uint64_t file_off);
JR_API int jr_range_remove(struct jr_service *svc, int64_t handle);
JR_API int jr_range_mark(struct jr_service *svc, int64_t handle);
JR_API int jr_range_lock(struct jr_service *svc, int64_t handle);
JR_API int jr_range_settle(struct jr_service *svc, int64_t handle);
JR_API int jr_range_pin(struct jr_service *svc, int64_t handle, uint64_t offset, uint64_t len);
JR_API int jr_range_stats(struct jr_service *svc, int64_t handle, uint64_t *out, int n);

#endif
