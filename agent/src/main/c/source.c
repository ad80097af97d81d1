/* The ops table (source.h). */
#include "source.h"

#include "check.h"
#include "jreclaim.h"
#include "service.h"

#include <errno.h>

static const struct jr_source_ops *const table[JR_SOURCE_COUNT] = {
	[JR_SOURCE_ZERO] = &jr_source_zero_ops,
	[JR_SOURCE_SNAPSHOT] = &jr_source_snapshot_ops,
	[JR_SOURCE_POISON] = &jr_source_poison_ops,
	[JR_SOURCE_FILE] = &jr_source_file_ops,
};

const struct jr_source_ops *jr_source_ops(int source)
{
	JR_CHECK(source >= 0 && source < JR_SOURCE_COUNT && table[source], "no ops for source %d", source);
	return table[source];
}

JR_API int jr_range_set_fallback(struct jr_service *svc, int64_t handle, int fallback)
{
	int err;
	struct jr_slot *sl = jr_table_slot_of(svc ? &svc->table : NULL, handle, &err);
	if (!sl)
		return err;
	jr_slot_lock(sl);
	int st = sl->state;
	const struct jr_source_ops *ops = st == JR_STATE_FREE || st == JR_STATE_DEAD ? NULL : jr_source_ops(sl->source);
	err = !ops ? -EBADF : st == JR_STATE_MARKING ? -EBUSY : ops->set_fallback ? ops->set_fallback(sl, fallback) : -EINVAL;
	jr_slot_unlock(sl);
	return err;
}
