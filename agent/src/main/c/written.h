/*
 * Writes since the mark, per chunk (docs/fault-path.md, "Writes after the mark"). With write-protect
 * (JR_SVC_WP) a marked chunk stays write-protected after its MADV_FREE, so the first write to it after
 * the mark arrives as a WP fault outside any hold window; the service (or a pin, before a system call
 * writes the span) records the chunk here and clears its WP. A recorded chunk is dirty, or about to be:
 * the kernel cannot drop it until its next mark, which clears the record in its hold window.
 * Every function runs under the slot lock.
 */
#ifndef JR_WRITTEN_H
#define JR_WRITTEN_H

#include "env.h"
#include "range_table.h"

/* At the first mark: one bit per chunk (in the slot for up to 64 chunks, else allocated). -ENOMEM. */
int jr_written_init(const struct jr_env *env, struct jr_slot *sl);
/* At remove (and service stop): frees what init allocated. */
void jr_written_free(const struct jr_env *env, struct jr_slot *sl);
/* Records the chunks of [a, b) (addresses inside the range) as written; returns how many were not yet. */
uint64_t jr_written_set(const struct jr_env *env, struct jr_slot *sl, uint64_t a, uint64_t b);
/* The mark's hold window over [w0, w0+wlen): its chunks are unwritten again. */
void jr_written_clear(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen);
/* Whether the chunk holding addr was written since its mark (0 before the first mark). */
int jr_written_test(const struct jr_env *env, const struct jr_slot *sl, uint64_t addr);

#endif
