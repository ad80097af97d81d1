/*
 * The service object that jreclaim.h hands out as struct jr_service: the environment, the range
 * table, the fault thread (fault_service.c) and the counters. range_protocol.c reads it but calls
 * nothing of fault_service.c.
 */
#ifndef JR_SERVICE_H
#define JR_SERVICE_H

#include "env.h"
#include "jreclaim.h"
#include "range_table.h"

#include <pthread.h>

/* svc->stopping */
enum jr_stopping { JR_RUN = 0, JR_STOP_REQUESTED = 1 };

struct jr_service {
	struct jr_env env;
	uint32_t flags;
	struct jr_table table;

	pthread_t thread;
	int stop_efd;
	int running;     /* atomic: the thread is in its loop */
	int stopping;    /* atomic, enum jr_stopping */
	int fatal_errno; /* atomic: why the loop ended if it ended on its own */

	unsigned char *scratch; /* the service's own buffer, never registered */
	int need_flush;         /* the service freed pages since it last flushed the lazyfree batch */

	uint64_t test_delay_ns;
	uint64_t c[JR_C_COUNT];
	uint64_t hist[JR_HIST_BUCKETS];
};

#endif
