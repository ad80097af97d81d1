/*
 * A marker's hold window: the pages it keeps write-protected while it captures and frees them
 * (the MARKING protocol, range_state.c). The service reads the window under the slot lock and
 * leaves WP on the pages inside it for the marker to clear.
 */
#ifndef JR_HOLD_H
#define JR_HOLD_H

#include "env.h"
#include "range_table.h"

/* Records [w0, w0+wlen) as the hold window and write-protects it (with WP), under the slot lock and the
 * window lock held exclusive (so between no restore's COPY and WP clear), as jr_hold_end. */
void jr_hold_begin(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen);
/* Ends the hold and wakes every writer that waited. freed: the window was MADV_FREE'd, and with write
 * tracking (written.h) it stays write-protected, so the first write to each chunk after the mark is seen;
 * otherwise WP is cleared (which wakes). */
void jr_hold_end(const struct jr_env *env, struct jr_slot *sl, uint64_t w0, uint64_t wlen, int freed);
/* Whether page lies in the hold window; caller holds the slot lock. */
int jr_hold_covers(const struct jr_slot *sl, uint64_t page);
/* The mark of a source with nothing to capture: hold, MADV_FREE, end, over steps of 16 chunks. */
int jr_mark_plain(const struct jr_env *env, struct jr_slot *sl);

#endif
