/*
 * The service object that jreclaim.h hands out as struct jr_service: the environment, the range
 * table, the fault service's workers (fault_service.c) and the counters. range_protocol.c reads it but calls
 * nothing of fault_service.c.
 */
#ifndef JR_SERVICE_H
#define JR_SERVICE_H

#include "env.h"
#include "jreclaim.h"
#include "range_table.h"

#include <pthread.h>
#include <semaphore.h>

/* svc->stopping */
enum jr_stopping { JR_RUN = 0, JR_STOP_REQUESTED = 1 };

struct jr_worker; /* fault_service.c */

struct jr_service {
	struct jr_env env;
	uint32_t flags;
	struct jr_table table;

	struct jr_worker *workers; /* nworkers, each a pthread (fault_service.c) */
	uint32_t nworkers;         /* readers + JR_BLOCKED_WORKERS, at most JR_MAX_WORKERS */
	uint32_t nreaders;         /* workers that read the userfaultfd at once */
	sem_t readers;             /* their places: a worker blocked in a file read gives its place up */
	int prefetch;              /* sequential prefetch on (not JR_SVC_NO_PREFETCH) */
	int spin;                  /* a worker polls between faults (not JR_SVC_NO_SPIN) */
	uint32_t spinner;          /* atomic: the polling worker's id + 1, or 0 */
	uint64_t slice_ns;         /* the workers' scheduler slice, 0: the kernel's default (JR_SVC_DEFAULT_SLICE) */
	int stop_efd;
	int help_efd;    /* an eventfd: a prefetch window waits for a helper (fault_service.c) */
	uint64_t help;   /* atomic: that window's slot generation << 32 | slot, or 0 */
	int running;     /* atomic: the workers are in their loop */
	int stopping;    /* atomic, enum jr_stopping */
	int fatal_errno; /* atomic: why the loop ended if it ended on its own */

	uint64_t test_delay_ns;
	uint64_t c[JR_C_COUNT];
	uint64_t hist[JR_HIST_BUCKETS];
};

#endif
