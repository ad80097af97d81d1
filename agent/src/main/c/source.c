/* The ops table (source.h). */
#include "source.h"

#include "check.h"
#include "jreclaim.h"

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
