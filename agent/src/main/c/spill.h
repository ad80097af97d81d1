/*
 * The snapshot spill file (docs/fault-path.md, "Spilling snapshots to a file"): compressed chunks the
 * SNAPSHOT source does not keep in memory (past jreclaim.snapshot.max-memory, or all of them) are written
 * here and read back by the fault service with pread. The file's pages are page cache: once written back
 * they are clean and the kernel drops them under pressure, which anonymous snapshot memory (without swap)
 * never is. The file has no name (O_TMPFILE, or created and unlinked at once, mode 0600), so nothing is
 * left behind; its space is handed out in JR_SPILL_UNIT extents from a free list, and the whole blocks of
 * free space are punched out of the file (FALLOC_FL_PUNCH_HOLE); freed extents are reused by later writes.
 */
#ifndef JR_SPILL_H
#define JR_SPILL_H

#include <stdint.h>

#define JR_SPILL_UNIT 512u   /* the unit of the file's space: chunks are packed at this alignment */
#define JR_SPILL_BLOCK 4096u /* what a punched hole frees: whole blocks of free space only */

struct jr_spill;

/* Opens a spill file in dir; c: the service's counters (JR_C_SPILL_*). -EXDEV: dir is on tmpfs or ramfs
 * (memory: a spill there pays nothing); else the -errno of statfs or open. */
int jr_spill_open(const char *dir, uint64_t *c, struct jr_spill **out);
void jr_spill_close(struct jr_spill *sp);
/* Writes len bytes at a free extent of the file; *off gets its offset. -errno (ENOSPC, EFBIG, EIO): nothing
 * is held, counted in JR_C_SPILL_ERRORS, and one line to stderr at most once a minute naming the directory. */
int jr_spill_write(struct jr_spill *sp, const void *data, uint32_t len, uint64_t *off);
/* Reads back what jr_spill_write wrote at off: 0, or -errno (-EIO for a short read). Counted. */
int jr_spill_read(struct jr_spill *sp, uint64_t off, void *dst, uint32_t len);
/* The extent of a chunk written at off is free again (its blocks punched out of the file, out of JR_C_SPILL_HELD). */
void jr_spill_free(struct jr_spill *sp, uint64_t off, uint32_t len);
/* The directory the file is in. */
const char *jr_spill_dir(const struct jr_spill *sp);

#endif
