/* Internal structures shared by range_table.c, fault_service.c and range_protocol.c. */
#ifndef JRECLAIM_INTERNAL_H
#define JRECLAIM_INTERNAL_H

#include "jreclaim.h"
#include "uffd_abi.h"

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#define JR_NO_SLOT UINT32_MAX

/* svc->stopping */
enum jr_stopping { JR_RUN = 0, JR_STOP_REQUESTED = 1 };

/* One snapshot chunk: LZ4 block (or the raw bytes when they do not compress). */
struct jr_chunk {
	uint32_t stored_len; /* bytes after this header */
	uint32_t raw;        /* 1: stored uncompressed */
	unsigned char data[];
};

struct jr_slot {
	pthread_mutex_t lock; /* see "Locks" in range_protocol.c */
	int state;            /* enum jr_state; written under lock, read under lock */
	uint32_t gen;         /* bumped on every add: stale handles are refused */
	int source;
	uint64_t base, len;   /* immutable while the slot is live */
	uint32_t nchunks;
	struct jr_chunk **chunks; /* SNAPSHOT: one per chunk; NULL = all zero; swapped under lock */
	int file_fd;
	uint64_t file_off;
	uint64_t hold_start, hold_end; /* pages a marker keeps write-protected (under lock) */
	int ever_marked;
	int registered;       /* registered with the userfaultfd (at the first mark); under lock */
	uint32_t next_free;
	uint64_t st[JR_RS_COUNT]; /* figures, updated with __atomic ops */
};

struct jr_index_entry {
	uint64_t base, end;
	uint32_t slot;
	uint32_t pad;
};

struct jr_service {
	int uffd;
	int stop_efd;
	uint32_t flags;
	uint64_t page_size;
	uint32_t chunk_pages;
	uint64_t chunk_bytes;

	pthread_t thread;
	int running;   /* atomic: the thread is in its loop */
	int stopping;  /* atomic, enum jr_stopping */
	int fatal_errno; /* atomic: why the loop ended if it ended on its own */

	uint32_t capacity;
	struct jr_slot *slots;
	pthread_mutex_t writers; /* serialises index changes and the free list */
	uint32_t free_head;
	uint32_t live;

	/* Sorted index of live ranges, read by the service under a seqlock (range_table.c). */
	uint64_t index_seq;
	uint32_t index_count;
	struct jr_index_entry *index;

	/* Hazard: the slot the service is working on (range_table.c, jr_range_remove). */
	uint32_t current_slot;

	unsigned char *scratch; /* the service's own buffer, never registered */
	unsigned char *dummy;   /* one never-touched page: MADV_FREE on it flushes the lazyfree batch */
	int need_flush;

	uint64_t test_delay_ns;
	uint64_t c[JR_C_COUNT];
	uint64_t hist[JR_HIST_BUCKETS];
};

/* range_table.c */
int jr_table_init(struct jr_service *svc);
void jr_table_destroy(struct jr_service *svc);
uint32_t jr_index_lookup(struct jr_service *svc, uint64_t addr);
struct jr_slot *jr_slot_of(struct jr_service *svc, int64_t handle, int *err);
/* DEAD, unindexed, hazard waited for, unregistered, (unmapped if unmap), file closed, FREE. */
int jr_table_remove(struct jr_service *svc, int64_t handle, int unmap);

/* fault_service.c */
void jr_flush_lazyfree(struct jr_service *svc);
void jr_drain_all_cpus(struct jr_service *svc);

/* range_protocol.c */
int jr_wp(struct jr_service *svc, uint64_t start, uint64_t len, int protect);
int jr_wake(struct jr_service *svc, uint64_t start, uint64_t len);
int jr_unregister(struct jr_service *svc, uint64_t start, uint64_t len);
void jr_free_chunks(struct jr_slot *sl);
int jr_chunk_decode(const struct jr_chunk *c, unsigned char *dst, size_t len);
void jr_touch_write(uint64_t start, uint64_t len, uint64_t page_size);

/* lz4_codec.c */
int jr_lz4_load(void);
int jr_lz4_bound(int n);
int jr_lz4_compress(const char *src, char *dst, int src_len, int dst_cap);
int jr_lz4_decompress(const char *src, char *dst, int src_len, int dst_cap);

static inline uint64_t jr_load(const uint64_t *p) { return __atomic_load_n(p, __ATOMIC_RELAXED); }
static inline void jr_add(uint64_t *p, uint64_t v) { __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }

#endif
