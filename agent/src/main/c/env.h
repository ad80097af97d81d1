/* What every unit above the kernel wrappers knows of the service it works for (no functions). */
#ifndef JR_ENV_H
#define JR_ENV_H

#include <stdint.h>

struct jr_files;
struct jr_spill;

struct jr_env {
	int uffd;
	int wp;               /* JR_SVC_WP: registered with MODE_WP, restores under write-protect */
	uint64_t page_size;
	uint32_t chunk_pages; /* <= JR_MAX_CHUNK_PAGES */
	uint64_t chunk_bytes;
	unsigned char *dummy; /* one never-touched page, for jr_k_flush_lazyfree */
	uint64_t *c;          /* the service's counters (enum jr_counter), updated with jr_add */
	uint32_t snapshot_min_ratio_pct; /* atomic: jr_service_set_snapshot_limits */
	uint64_t snapshot_max_bytes;     /* atomic: idem */
	struct jr_files *files;          /* jr_range_provenance's file table (files.h) */
	struct jr_spill *spill;          /* atomic, set once: the snapshot spill file (spill.h), or NULL */
	int spill_mode;                  /* atomic: JR_SPILL_* (jr_service_set_spill) */
};

#endif
