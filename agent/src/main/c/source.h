/*
 * Rebuild sources behind one ops table, indexed by enum jr_source. The protocols (mark, lock,
 * remove) and the fault service dispatch through it; what differs between sources lives in their
 * source_*.c file only. A new source is one more file and one more row in source.c.
 */
#ifndef JR_SOURCE_H
#define JR_SOURCE_H

#include "env.h"
#include "range_table.h"

#define JR_WORK_PAGE_BYTES 65536u /* room for one page of any size this platform has, after the 16-byte entries */

struct jr_source_ops {
	const char *name;
	/* 1: a purged page comes back from the source; 0 (POISON): it is lost, the toucher gets
	 * SIGBUS, lock() reports PURGED, pin() is refused and a re-mark refreshes nothing. */
	int rebuilds;
	/* 1: the source is captured under write-protect, so without JR_SVC_WP it cannot be marked
	 * (-EOPNOTSUPP) and its pages are answered with zeros (SNAPSHOT). */
	int needs_wp;
	/* 1: produce may block (a file read): the service gives up its reader's place meanwhile, so other
	 * workers go on serving faults (fault_service.c). */
	int produce_blocks;
	/* At add, before the range is visible: sets up sl->src. Takes ownership of file_fd only on
	 * success. -errno on failure, with nothing left to release. */
	int (*init)(const struct jr_env *env, struct jr_slot *sl, int file_fd, uint64_t file_off);
	/* Frees sl->src; closes what the source owns unless keep_fd (a failed add). */
	void (*release)(struct jr_slot *sl, int keep_fd);
	/* The marking pass over the whole range, in MARKING (hold.h). */
	int (*mark)(const struct jr_env *env, struct jr_slot *sl);
	/* Fills dst with the bytes of [w0, w0+wlen) (one chunk); NULL: zeros by UFFDIO_ZEROPAGE. Called by a
	 * service worker without the slot lock, holding the window lock shared (jr_window_restore_begin) and
	 * the hazard on the slot: the source takes the slot lock itself for what the marker changes under it.
	 * work is the worker's own memory of JR_MAX_CHUNK_PAGES * 16 bytes, then JR_WORK_PAGE_BYTES (a page). */
	int (*produce)(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen, unsigned char *dst,
		       void *work);
	/* Under the slot lock: what a chunk no capture pays for becomes (JR_FALLBACK_*); NULL: the
	 * source has no fallback (-EINVAL). */
	int (*set_fallback)(struct jr_slot *sl, int fallback);
	/* Under the slot lock: the whole pages [first, first+n) of the range hold file id's bytes from
	 * file_off on (jr_range_provenance); NULL: the source keeps no provenance (-EINVAL). */
	int (*provenance)(struct jr_slot *sl, uint64_t first, uint64_t n, int id, uint64_t file_off);
	/* Under the slot lock: the range's JR_FILE_* policy; NULL: the source keeps no provenance (-EINVAL). */
	int (*set_file_policy)(struct jr_slot *sl, uint32_t flags);
	/* Under the slot lock, after produce and the chunk's mincore (vec, npages from w0): poisons the missing
	 * pages produce could not rebuild and must not read as anything (JR_FILE_THROW), counts them, and marks
	 * them present in vec so the service installs nothing there. NULL: a rebuilding source loses no page. */
	void (*give_up)(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t npages, unsigned char *vec);
	/* Under the slot lock: 1 when a page of this range may be lost although the source rebuilds (JR_FILE_THROW):
	 * pin, lock and detach must not touch its pages from C. NULL: never. */
	int (*loses_pages)(const struct jr_slot *sl);
	/* Under the slot lock, after the range's pages were dropped (MADV_DONTNEED): no page is lost any more, and
	 * for_good: none will be (the range is being detached; its pages are touched from C next). */
	void (*forget_lost)(struct jr_slot *sl, int for_good);
};

/* The ops of a source (0 <= source < JR_SOURCE_COUNT). */
const struct jr_source_ops *jr_source_ops(int source);

extern const struct jr_source_ops jr_source_zero_ops, jr_source_snapshot_ops, jr_source_poison_ops,
	jr_source_file_ops;

#endif
