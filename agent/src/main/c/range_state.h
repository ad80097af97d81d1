/* The range state machine (documented in range_state.c). Every state change goes through here. */
#ifndef JR_RANGE_STATE_H
#define JR_RANGE_STATE_H

#include "range_table.h"

const char *jr_state_name(int state);
/* Whether from -> to is a transition of the state machine. */
int jr_state_allowed(int from, int to);
/* Moves sl from `from` to `to` (atomic release store). Caller holds sl->lock; check builds abort
 * on a transition that is not allowed, or when the state is not `from`. */
void jr_state_move(struct jr_slot *sl, int from, int to);
/* The state, for readers without the lock (the service, stats). */
int jr_state_get(const struct jr_slot *sl);

/*
 * Takes the range a handle names for a protocol: under its lock, refuses a stale handle, FREE or
 * DEAD (-EBADF) and a range another protocol owns, MARKING or LOCKING (-EBUSY); otherwise moves it
 * to `to` (none when to < 0). Returns the previous state, or -errno.
 */
int jr_state_enter(struct jr_table *t, int64_t handle, int to, struct jr_slot **out);
/* jr_state_move under the slot lock. */
void jr_state_leave(struct jr_slot *sl, int from, int to);

#endif
