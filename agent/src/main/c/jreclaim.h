/*
 * libjreclaim: the fault service and the range table it reads. This header is the library's whole
 * interface; Java (package dev.jreclaim.agent.linux) is the only caller.
 *
 * Every function is called through one FFM downcall; none calls back into Java, and the service
 * thread is never attached to the JVM (docs/fault-path.md, "Why the fault service never enters the
 * JVM").
 *
 * Ownership, decided once here: the library owns everything about a live range. jr_range_add maps
 * its memory, jr_range_mark registers it with the userfaultfd at its first mark, jr_range_remove
 * unregisters, unmaps and closes its file. Java holds only the handle and the base address, and reads
 * every other fact (state, registration, residency, counters) from here. The one hand-over is
 * jr_range_detach: afterwards the mapping is ordinary memory that belongs to the caller.
 *
 * Return convention: >= 0 success, -errno on failure.
 */
#ifndef JRECLAIM_H
#define JRECLAIM_H

#include <stdint.h>

#define JR_API __attribute__((visibility("default")))

/* Bumped whenever a function, an enum value or a struct here changes meaning. */
#define JR_VERSION 4

/* Rebuild sources: what the service installs when a purged page of a range is touched. */
enum jr_source {
	JR_SOURCE_ZERO = 0,     /* zero-filled page, chosen by the application */
	JR_SOURCE_SNAPSHOT = 1, /* LZ4 copy taken at mark time */
	JR_SOURCE_POISON = 2,   /* next touch raises SIGBUS; lock() reports PURGED */
	JR_SOURCE_FILE = 3,     /* pread from a file descriptor at an offset */
	JR_SOURCE_COUNT = 4
};

/* Range states. The state machine is documented, and each transition checked, in range_state.c. */
enum jr_state {
	JR_STATE_FREE = 0,     /* slot unused (a stale handle reads as FREE) */
	JR_STATE_LOCKED = 1,   /* non-volatile: the application owns every byte */
	JR_STATE_MARKING = 2,  /* a marker thread is taking the snapshot / applying MADV_FREE */
	JR_STATE_VOLATILE = 3, /* marked: the kernel may drop clean pages */
	JR_STATE_LOCKING = 4,  /* a locker thread is settling pages (POISON lock, detach) */
	JR_STATE_DEAD = 5,     /* being removed: the service no longer touches it */
	JR_STATE_COUNT = 6
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
	JR_C_INSTALL_ERRORS,      /* COPY/ZEROPAGE/POISON/WAKE ioctls that failed other than by a race */
	JR_C_READ_ERRORS,         /* read(2) or poll(2) of the userfaultfd failed and was retried */
	JR_C_LOCKS_INTACT,        /* jr_range_lock calls that answered JR_INTACT */
	JR_C_LOCKS_PURGED,        /* jr_range_lock calls that answered JR_PURGED */
	JR_C_SRC_BASE,            /* then per source s: FAULTS, PAGES, BYTES, NS at JR_C_SRC_BASE + 4*s */
	JR_C_SNAPSHOT_HELD = JR_C_SRC_BASE + 4 * JR_SOURCE_COUNT, /* bytes all snapshots hold now (never droppable) */
	JR_C_CHUNKS_INCOMPRESSIBLE, /* marks of a chunk whose LZ4 form did not pay (min ratio): no snapshot kept */
	JR_C_CHUNKS_OVER_BUDGET,    /* marks of a chunk whose snapshot would pass the snapshot memory limit */
	JR_C_CHUNKS_KEPT,           /* of those, chunks left ordinary memory (no fallback): not MADV_FREE'd */
	JR_C_AGENT_BYTES,           /* the library's own memory now: table, index, scratch, source state, snapshots */
	JR_C_FILE_PAGES,            /* pages the service rebuilt from the file they were read from (jr_range_provenance) */
	JR_C_FILE_VERIFIED,         /* marks of a page found equal to its file: MADV_FREE'd without a snapshot */
	JR_C_FILE_UNVERIFIED,       /* marks of a page that differed from its file (written since the read): provenance dropped */
	JR_C_FILE_STALE,            /* pages not rebuilt: the file was written, truncated or extended since the read */
	JR_C_FILE_MISSING,          /* pages not rebuilt: the file was deleted or its path renamed over */
	JR_C_FILE_IO_ERRORS,        /* pages not rebuilt: fstat or pread failed */
	JR_C_RECORDS_HELD,          /* bytes of the sources' records now (chunk tables, per-page file provenance), not snapshots */
	JR_C_FIRST_WRITES,          /* first writes to a chunk since its mark (a WP fault outside a hold window, or a pin): not droppable until the next mark */
	JR_C_FILE_REOPENS,          /* evicted files opened again by path for a mark or a fault (same inode) */
	JR_C_FILE_EVICTIONS,        /* descriptors the file LRU closed (past jr_service_set_max_open_files) */
	JR_C_FILES_OPEN,            /* descriptors the file table holds now */
	JR_C_FILES_TRACKED,         /* files some page's provenance names now */
	JR_C_FILE_HASH_MISMATCH,    /* of JR_C_FILE_STALE: same identity, but the bytes read differ from the page's hash at mark */
	JR_C_FILE_FELL_TO_SNAPSHOT, /* pages whose file failed (stale, missing, I/O error) rebuilt from their snapshot instead */
	JR_C_PREFETCHED_PAGES,      /* of the pages restored (JR_C_SRC_PAGES), those restored ahead of a sequential reader, before any fault on them */
	JR_C_SPILL_HELD,            /* bytes of the spill file's live extents now (512-byte units; free blocks punched out): page cache, droppable once written back */
	JR_C_CHUNKS_SPILLED,        /* chunk marks whose snapshot went to the spill file instead of memory */
	JR_C_SPILL_WRITE_BYTES,     /* bytes written to the spill file */
	JR_C_SPILL_READ_BYTES,      /* bytes read back from it (restores, and marks decoding the previous snapshot) */
	JR_C_SPILL_ERRORS,          /* spill writes that failed (ENOSPC, EFBIG, EIO): the snapshot stayed in memory within the limit, else the chunk took its fallback */
	JR_C_SPILL_READ_ERRORS,     /* spill reads that failed: the chunk's pages took the range's fallback (zero, throw) or were poisoned, never wrong bytes */
	JR_C_COUNT
};
#define JR_C_SRC_FAULTS(s) (JR_C_SRC_BASE + 4 * (s) + 0)
#define JR_C_SRC_PAGES(s) (JR_C_SRC_BASE + 4 * (s) + 1)
#define JR_C_SRC_BYTES(s) (JR_C_SRC_BASE + 4 * (s) + 2)
#define JR_C_SRC_NS(s) (JR_C_SRC_BASE + 4 * (s) + 3)
/* The fault-service time histogram (jr_service_histogram): bucket i counts the MISSING events whose
 * service took [2^i, 2^(i+1)) ns, timed from the read of the event to the wake of the faulting thread
 * (the last ioctl of the answer); bucket 0 also counts 0 ns, the last one everything from 2^39 ns. */
#define JR_HIST_BUCKETS 40

/* Per-range figures, read with jr_range_stats(). */
enum jr_range_stat {
	JR_RS_STATE = 0,         /* enum jr_state */
	JR_RS_SOURCE,            /* enum jr_source */
	JR_RS_FAULTS,
	JR_RS_PAGES_RESTORED,    /* pages installed by the service (any source) */
	JR_RS_PAGES_POISONED,
	JR_RS_PURGED_SINCE_MARK, /* pages found purged that could not be rebuilt */
	JR_RS_SNAPSHOT_BYTES,    /* compressed snapshot held for the range in memory (a spilled chunk: its 16-byte header) */
	JR_RS_MARKS,
	JR_RS_REBUILD_FAILURES,
	JR_RS_REGISTERED,        /* 1 once the range is registered with the userfaultfd (first mark) */
	JR_RS_BYTES,             /* the mapping's length */
	JR_RS_RESIDENT_PAGES,    /* pages present now (mincore, read after every other figure) */
	JR_RS_KEPT_PAGES,        /* pages the last mark left ordinary memory (no source could serve them) */
	JR_RS_WRITTEN_PAGES,     /* pages of the chunks written since their last mark (JR_SVC_WP only): dirty, not droppable */
	JR_RS_COUNT
};

/* Service flags. */
#define JR_SVC_WP 1u /* the range registrations use UFFDIO_REGISTER_MODE_WP */
#define JR_SVC_NO_PREFETCH 2u /* no sequential prefetch: a fault restores its own chunk only */
#define JR_SVC_NO_SPIN 4u /* no worker polls for the next fault after one: each sleeps in epoll_wait at once */
#define JR_SVC_DEFAULT_SLICE 8u /* the workers keep the kernel's default scheduler slice (no 100 us slice request) */
/* Bits 8-15 of the flags: how many workers read the userfaultfd at once (0: one per CPU, at least 2;
 * at most JR_MAX_WORKERS). The service also keeps JR_BLOCKED_WORKERS spare workers for the ones blocked in
 * a file read, so slow reads do not hold up faults on other ranges (fault_service.c). */
#define JR_SVC_WORKERS_SHIFT 8
#define JR_MAX_WORKERS 8u
#define JR_BLOCKED_WORKERS 2u

/* Limits, each defined here only. */
#define JR_MAX_CHUNK_PAGES 4096u /* pages per chunk, which is also the most one fault restores */

/* A SNAPSHOT range's fallback (jr_range_set_fallback): what a chunk whose snapshot did not pay becomes. */
#define JR_FALLBACK_KEEP 0   /* ordinary memory: not MADV_FREE'd at mark (the default) */
#define JR_FALLBACK_ZERO 1   /* MADV_FREE'd; a purged page reads as zeros */
/* Snapshot limits (jr_service_set_snapshot_limits): defaults until set. */
#define JR_SNAPSHOT_MIN_RATIO_PCT 125u /* keep a chunk's LZ4 form only if raw * 100 >= stored * this */
/* Where a SNAPSHOT chunk's LZ4 form goes (jr_service_set_spill): memory only, the spill file past the snapshot
 * memory limit, or the spill file always (memory within the limit only when a write fails). */
#define JR_SPILL_OFF 0
#define JR_SPILL_OVER_BUDGET 1
#define JR_SPILL_ALWAYS 2
/* The ranges' memory (range_memory.c), read with jr_service_memory(). */
enum jr_memory_stat {
	JR_MS_REGIONS = 0,         /* mappings the library reserved for ranges (slabs and own mappings) */
	JR_MS_RESERVED_BYTES,      /* their bytes (virtual: a page costs memory once touched) */
	JR_MS_SLOT_BYTES,          /* bytes of the slots live ranges hold */
	JR_MS_HANDED_BYTES,        /* bytes of slots handed over by detach */
	JR_MS_MAPS,                /* the process's mapping count as the library estimates it */
	JR_MS_MAP_LIMIT,           /* no new mapping past this count (JR_MAP_RESERVE_PERCENT of the next) */
	JR_MS_MAX_MAP_COUNT,       /* /proc/sys/vm/max_map_count, read at start */
	JR_MS_MAP_COUNTS,          /* times /proc/self/maps was counted */
	JR_MS_ALLOC_REFUSED_MAPS,  /* jr_range_add refused: a new mapping would pass the limit (-EMFILE) */
	JR_MS_ALLOC_REFUSED_NOMEM, /* jr_range_add refused: the kernel refused a mapping (-ENOMEM) */
	JR_MS_REGISTER_REFUSED,    /* first marks whose registration was refused (budget or ENOMEM): range stays LOCKED */
	JR_MS_RECYCLED_BYTES,      /* bytes freed slots hold zeroed for the next range of their class */
	JR_MS_RECYCLE_HITS,        /* jr_range_add served by a recycled slot */
	JR_MS_RECYCLE_REFUSED,     /* removes of never-marked ranges not recycled: recycle_max reached */
	JR_MS_RECYCLED_HOT_BYTES,  /* of JR_MS_RECYCLED_BYTES, those not MADV_FREE'd (at most 4 MiB): the kernel cannot drop them */
	JR_MS_COUNT
};
/* The bound on recycled slots' bytes until jr_service_set_recycle_max (jreclaim.memory.recycle-max). */
#define JR_RECYCLE_MAX_DEFAULT (64ll << 20)
/* The library makes no mapping past this percentage of vm.max_map_count: the rest is the JVM's. */
#define JR_MAP_RESERVE_PERCENT 50
/* Files page provenance may name at once (files.c); a read of one more is not recorded (-ENOSPC). */
#define JR_MAX_FILES 1048576u
/* Descriptors the file table keeps open (an LRU; evicted files are reopened by path): default and most. */
#define JR_DEFAULT_MAX_OPEN_FILES 256u
#define JR_MAX_OPEN_FILES 65536u
/* A rebuild:file range's policy (jr_range_set_file_policy), bits. */
#define JR_FILE_HASH 1u     /* a page verified at mark keeps its XXH64; a read whose bytes differ is stale */
#define JR_FILE_SNAPSHOT 2u /* rebuild:snapshot follows: verified pages stay in the snapshot where it pays, and a
			     * page whose file failed is rebuilt from it */
#define JR_FILE_THROW 4u    /* throw ends the list: a page whose file failed (and that no snapshot holds) is lost:
			     * poisoned like a POISON page; pins, lock and detach then treat the range as POISON's
			     * (MADV_POPULATE_WRITE, never a touch from C). Needs a full userfaultfd. */

/* The constants above, by name, for the Java side to check when it loads the library. */
struct jr_constant {
	const char *name;
	int64_t value;
};

struct jr_service;

JR_API int jr_version(void);
/* How the SNAPSHOT source's LZ4 is there: linked into this library, liblz4.so.1 opened, or neither. */
#define JR_LZ4_MISSING 0
#define JR_LZ4_SHARED 1
#define JR_LZ4_BUNDLED 2
JR_API int jr_lz4_available(void); /* one of JR_LZ4_* */
/* Sets *out to a static table of every constant of this header; returns its length. */
JR_API int jr_constants(const struct jr_constant **out);

JR_API int64_t jr_service_start(int uffd, uint32_t flags, uint32_t capacity, uint32_t chunk_pages,
				struct jr_service **out);
JR_API int jr_service_stop(struct jr_service *svc);
JR_API int jr_service_alive(struct jr_service *svc);
JR_API int jr_service_counters(struct jr_service *svc, uint64_t *out, int n);
JR_API int jr_service_histogram(struct jr_service *svc, uint64_t *out, int n);
JR_API int jr_service_set_test_delay(struct jr_service *svc, uint64_t ns);
JR_API int jr_service_live_ranges(struct jr_service *svc);
/*
 * A chunk keeps its snapshot only when its LZ4 form is at most raw * 100 / min_ratio_pct bytes (min_ratio_pct
 * >= 100) and all snapshots together stay within max_bytes; otherwise the chunk takes its range's fallback.
 */
JR_API int jr_service_set_snapshot_limits(struct jr_service *svc, uint32_t min_ratio_pct, uint64_t max_bytes);
/*
 * Opens the snapshot spill file in dir (no name: O_TMPFILE, or created and unlinked at once; mode 0600) and
 * sends chunks' LZ4 forms there by mode (JR_SPILL_*); the fault service reads them back with pread
 * (docs/fault-path.md, "Spilling snapshots to a file"). Once per service, before the first mark (-EBUSY after a
 * file is open). -EXDEV: dir is on tmpfs or ramfs, whose pages are memory (a spill there pays nothing); -EINVAL:
 * an unknown mode; else the -errno of statfs or open. JR_SPILL_OFF opens nothing.
 */
JR_API int jr_service_set_spill(struct jr_service *svc, const char *dir, int mode);

/*
 * Takes len bytes (rounded up to the page size) of zeroed private anonymous memory, MADV_NOHUGEPAGE (a
 * slot of a shared region, range_memory.c), and adds them as a LOCKED range of the given source;
 * *base_out gets its address. A FILE range hands file_fd to the library, which closes it at remove or
 * detach (on failure the caller keeps it). Returns the handle, or -errno (-ENOSPC: no free slot;
 * -ENOPKG: no LZ4 for SNAPSHOT; -EMFILE: a new mapping would pass the mapping budget; -ENOMEM: the
 * kernel refused a mapping).
 */
JR_API int64_t jr_range_add(struct jr_service *svc, uint64_t len, int source, int file_fd, uint64_t file_off,
			    uint64_t *base_out);
/* Unregisters, removes, unmaps and closes the range's file. A thread waiting on one of its faults is woken. */
JR_API int jr_range_remove(struct jr_service *svc, int64_t handle);
/* Registers the range at its first mark, then marks it (snapshot, MADV_FREE). A refused registration
 * (-EMFILE: past the mapping budget; -ENOMEM) leaves it LOCKED, counted in JR_MS_REGISTER_REFUSED. */
JR_API int jr_range_mark(struct jr_service *svc, int64_t handle);
/*
 * begin = 1: drains every CPU's page batches once, keeps this thread on the CPU the drain ends on and makes
 * its following jr_range_mark calls skip their drains, until jr_mark_batch(svc, 0), which flushes that CPU's
 * lazyfree batch (where every MADV_FREE of the batch went; only when svc is not NULL: a NULL svc just ends
 * the batch) and gives the thread its CPUs back. The drain migrates the thread to every CPU: one round per
 * batch, not two per mark, keeps a mark's cost independent of the number of CPUs. Only a page the
 * application faulted in after the batch's first drain can still sit off the LRU when its range is marked
 * (docs/fault-path.md).
 */
JR_API int jr_mark_batch(struct jr_service *svc, int begin);
/* Makes the range non-volatile; returns JR_INTACT or JR_PURGED and counts it. */
JR_API int jr_range_lock(struct jr_service *svc, int64_t handle);
/*
 * Settles the range (every page resident and non-volatile; POISON pages lost make it PURGED and
 * zeroed), unregisters it and removes it from the table. The mapping stays: it is the caller's now,
 * to munmap. Returns JR_INTACT or JR_PURGED.
 */
JR_API int jr_range_detach(struct jr_service *svc, int64_t handle);
/*
 * Makes [offset, offset+len) resident and unreclaimable and counts a pin, for a caller about to hand the
 * span to a system call or native code; jr_range_unpin ends it. While a range has pins, jr_range_mark and
 * jr_range_remove return -EAGAIN (the caller retries after the last unpin). Waits while the range is being
 * marked or locked. ZERO/SNAPSHOT/FILE: a no-op atomic write per page, served in every userfaultfd mode.
 * POISON while volatile: the kernel populates the span (MADV_POPULATE_WRITE, which never raises SIGBUS);
 * if a page of it was lost, no pin is taken and the answer is JR_PURGED. Returns JR_INTACT when pinned.
 */
JR_API int jr_range_pin(struct jr_service *svc, int64_t handle, uint64_t offset, uint64_t len);
/* Drops the range's lazyfree pages now (every CPU's page batches drained, then MADV_PAGEOUT). */
JR_API int jr_range_purge(struct jr_service *svc, int64_t handle);
/* A SNAPSHOT range's JR_FALLBACK_*, before or between marks (-EINVAL for another source or value). */
JR_API int jr_range_set_fallback(struct jr_service *svc, int64_t handle, int fallback);
/*
 * A SNAPSHOT range's bytes [offset, offset+len) were just read from file descriptor fd at file_off
 * (-1: a non-positional read, which left the file offset at file_off + len). Records, for each whole
 * page inside, the file and offset; at the next mark a page still equal to its file keeps no snapshot
 * and is rebuilt from the file at fault (docs/fault-path.md, "Pages rebuilt from the file they were
 * read from"). A partial page is not recorded, except the file's last page when the read reached the
 * file's end and began at or before that page (its rest must still be zeros at mark). Returns the pages
 * recorded, or -errno (-EINVAL: not a SNAPSHOT range or not a regular file; -ENOSPC: JR_MAX_FILES files
 * named already).
 */
JR_API int jr_range_provenance(struct jr_service *svc, int64_t handle, uint64_t offset, uint64_t len, int fd,
			       int64_t file_off);
/*
 * A SNAPSHOT range's rebuild:file policy, JR_FILE_* bits (before or between marks; -EINVAL for another source
 * or unknown bits). Applies from the next mark.
 */
JR_API int jr_range_set_file_policy(struct jr_service *svc, int64_t handle, uint32_t flags);
/* At most n (1..JR_MAX_OPEN_FILES) descriptors of provenance files open at once (default JR_DEFAULT_MAX_OPEN_FILES). */
JR_API int jr_service_set_max_open_files(struct jr_service *svc, uint32_t n);
/* Copies min(n, JR_RS_COUNT) figures (enum jr_range_stat) into out; returns how many. The resident pages
 * (a mincore over the range) are counted only when n > JR_RS_RESIDENT_PAGES. */
JR_API int jr_range_stats(struct jr_service *svc, int64_t handle, uint64_t *out, int n);
/* JR_RS_WRITTEN_PAGES alone (at most INT32_MAX), or -errno: what the idle marker reads of every volatile range at each
 * look, without the mincore of jr_range_stats' resident pages. */
JR_API int jr_range_written_pages(struct jr_service *svc, int64_t handle);

/* Copies min(n, JR_MS_COUNT) figures (enum jr_memory_stat) into out; returns how many. */
JR_API int jr_service_memory(struct jr_service *svc, uint64_t *out, int n);
/* The mapping budget: no new mapping past limit mappings in the process (0: the default,
 * JR_MAP_RESERVE_PERCENT of vm.max_map_count; clamped to vm.max_map_count). For tests and operators. */
JR_API int jr_service_set_map_limit(struct jr_service *svc, int64_t limit);

/* Removed ranges that were never marked leave their slot zeroed and MADV_FREE'd for the next range of its
 * size class while all such slots hold at most bytes (0: none; default JR_RECYCLE_MAX_DEFAULT). */
JR_API int jr_service_set_recycle_max(struct jr_service *svc, int64_t bytes);

/* watchdog.c: ends the process with _exit(status) after millis unless disarmed. */
JR_API int jr_watchdog_arm(uint64_t millis, int status, const char *message);
JR_API int jr_watchdog_message(const char *message);
JR_API int jr_watchdog_disarm(void);

/* Ends one jr_range_pin; returns the pins left (-EBADF: removed or detached meanwhile, -EINVAL: none). */
JR_API int jr_range_unpin(struct jr_service *svc, int64_t handle);

#endif
