/*
 * Every constant of jreclaim.h by name, so the Java side can check its copies when it loads the
 * library instead of trusting that both were edited together. The C tests check that this table
 * names every enum value and object-like #define of the header.
 */
#include "jreclaim.h"
#include "uffd_abi.h"

#define C(name) {#name, (int64_t)(name)}

static const struct jr_constant constants[] = {
	C(JR_VERSION),
	C(JR_SOURCE_ZERO), C(JR_SOURCE_SNAPSHOT), C(JR_SOURCE_POISON), C(JR_SOURCE_FILE), C(JR_SOURCE_COUNT),
	C(JR_STATE_FREE), C(JR_STATE_LOCKED), C(JR_STATE_MARKING), C(JR_STATE_VOLATILE), C(JR_STATE_LOCKING),
	C(JR_STATE_DEAD), C(JR_STATE_COUNT),
	C(JR_INTACT), C(JR_PURGED),
	C(JR_C_EVENTS), C(JR_C_WP_EVENTS), C(JR_C_UNKNOWN_RANGE), C(JR_C_FREED_RANGE), C(JR_C_RACES),
	C(JR_C_REBUILD_FAILURES), C(JR_C_MAX_NS), C(JR_C_INSTALL_ERRORS), C(JR_C_READ_ERRORS),
	C(JR_C_LOCKS_INTACT), C(JR_C_LOCKS_PURGED), C(JR_C_SRC_BASE), C(JR_C_SNAPSHOT_HELD),
	C(JR_C_CHUNKS_INCOMPRESSIBLE), C(JR_C_CHUNKS_OVER_BUDGET), C(JR_C_CHUNKS_KEPT), C(JR_C_AGENT_BYTES),
	C(JR_C_FILE_PAGES), C(JR_C_FILE_VERIFIED), C(JR_C_FILE_UNVERIFIED), C(JR_C_FILE_STALE), C(JR_C_FILE_MISSING),
	C(JR_C_FILE_IO_ERRORS), C(JR_C_RECORDS_HELD), C(JR_C_COUNT),
	C(JR_HIST_BUCKETS),
	C(JR_RS_STATE), C(JR_RS_SOURCE), C(JR_RS_FAULTS), C(JR_RS_PAGES_RESTORED), C(JR_RS_PAGES_POISONED),
	C(JR_RS_PURGED_SINCE_MARK), C(JR_RS_SNAPSHOT_BYTES), C(JR_RS_MARKS), C(JR_RS_REBUILD_FAILURES),
	C(JR_RS_REGISTERED), C(JR_RS_BYTES), C(JR_RS_RESIDENT_PAGES), C(JR_RS_KEPT_PAGES), C(JR_RS_COUNT),
	C(JR_SVC_WP),
	C(JR_MAX_CHUNK_PAGES),
	C(JR_LZ4_MISSING), C(JR_LZ4_SHARED), C(JR_LZ4_BUNDLED),
	C(JR_FALLBACK_KEEP), C(JR_FALLBACK_ZERO), C(JR_SNAPSHOT_MIN_RATIO_PCT),
	C(JR_MS_REGIONS), C(JR_MS_RESERVED_BYTES), C(JR_MS_SLOT_BYTES), C(JR_MS_HANDED_BYTES), C(JR_MS_MAPS),
	C(JR_MS_MAP_LIMIT), C(JR_MS_MAX_MAP_COUNT), C(JR_MS_MAP_COUNTS), C(JR_MS_ALLOC_REFUSED_MAPS),
	C(JR_MS_ALLOC_REFUSED_NOMEM), C(JR_MS_REGISTER_REFUSED), C(JR_MS_RECYCLED_BYTES), C(JR_MS_RECYCLE_HITS),
	C(JR_MS_RECYCLE_REFUSED), C(JR_MS_RECYCLED_HOT_BYTES), C(JR_MS_COUNT), C(JR_RECYCLE_MAX_DEFAULT),
	C(JR_MAP_RESERVE_PERCENT),
	C(JR_MAX_FILES),
	/* Kernel ABI that Java uses too (it opens the userfaultfd and makes the UFFDIO_API handshake, asking
	 * for the features the service relies on): checked like the rest, so both sides name the same bits. */
	C(UFFD_API),
	C(UFFD_FEATURE_PAGEFAULT_FLAG_WP), C(UFFD_FEATURE_THREAD_ID), C(UFFD_FEATURE_POISON),
};

JR_API int jr_version(void) { return JR_VERSION; }

JR_API int jr_constants(const struct jr_constant **out)
{
	if (out)
		*out = constants;
	return (int)(sizeof(constants) / sizeof(constants[0]));
}
