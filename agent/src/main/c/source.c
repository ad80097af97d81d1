/* The ops table (source.h). */
#include "source.h"

#include "check.h"
#include "files.h"
#include "jreclaim.h"
#include "service.h"

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* The slot of handle, locked, with its ops, when its source may be configured now (live and not being marked);
 * else NULL with *err set (-EBADF, -EBUSY) and nothing locked. */
static struct jr_slot *configurable(struct jr_service *svc, int64_t handle, const struct jr_source_ops **ops, int *err)
{
	struct jr_slot *sl = jr_table_slot_of(svc ? &svc->table : NULL, handle, err);
	if (!sl)
		return NULL;
	jr_slot_lock(sl);
	int st = sl->state;
	if (st == JR_STATE_FREE || st == JR_STATE_DEAD || st == JR_STATE_MARKING) {
		*err = st == JR_STATE_MARKING ? -EBUSY : -EBADF;
		jr_slot_unlock(sl);
		return NULL;
	}
	*ops = jr_source_ops(sl->source);
	return sl;
}

JR_API int jr_range_set_fallback(struct jr_service *svc, int64_t handle, int fallback)
{
	int err;
	const struct jr_source_ops *ops;
	struct jr_slot *sl = configurable(svc, handle, &ops, &err);
	if (!sl)
		return err;
	err = ops->set_fallback ? ops->set_fallback(sl, fallback) : -EINVAL;
	jr_slot_unlock(sl);
	return err;
}

JR_API int jr_range_set_file_policy(struct jr_service *svc, int64_t handle, uint32_t flags)
{
	int err;
	const struct jr_source_ops *ops;
	struct jr_slot *sl = configurable(svc, handle, &ops, &err);
	if (!sl)
		return err;
	err = ops->set_file_policy ? ops->set_file_policy(sl, flags) : -EINVAL;
	jr_slot_unlock(sl);
	return err;
}

JR_API int jr_service_set_max_open_files(struct jr_service *svc, uint32_t n)
{
	return svc ? jr_files_set_max_open(svc->env.files, n) : -EBADF;
}

JR_API int jr_range_provenance(struct jr_service *svc, int64_t handle, uint64_t offset, uint64_t len, int fd,
			       int64_t file_off)
{
	int err;
	struct jr_slot *sl = jr_table_slot_of(svc ? &svc->table : NULL, handle, &err);
	if (!sl)
		return err;
	if (fd < 0)
		return -EBADF;
	if (file_off < 0) { /* a read(2): it advanced the file offset past what it read */
		off_t end = lseek(fd, 0, SEEK_CUR);
		if (end < 0)
			return -errno;
		if ((uint64_t)end < len)
			return -EINVAL;
		file_off = (int64_t)((uint64_t)end - len);
	}
	/* Whole pages: from the first page boundary at or after offset to the last one at or before
	 * offset + len. A partial page holds other bytes the file cannot give back, except the file's last
	 * page when the read reached the file's end and began at or before that page: its rest must be
	 * zeros, which the marker checks like every byte (it compares the whole page with the file's tail
	 * and zeros; docs/fault-path.md, "Pages rebuilt from the file they were read from"). */
	uint64_t ps = svc->env.page_size;
	uint64_t a = (offset + ps - 1) / ps * ps, b = (offset + len) / ps * ps, tail = 0;
	struct stat fst;
	if ((offset + len) % ps && b >= offset && fstat(fd, &fst) == 0 && S_ISREG(fst.st_mode) &&
	    (uint64_t)fst.st_size == (uint64_t)file_off + len)
		tail = ps;
	if (b + tail > sl->len) /* the slot's length never changes while it lives; checked again under the lock */
		tail = 0;
	if (b + tail <= a)
		return 0;
	uint64_t n = (b + tail - a) / ps;
	if (n > UINT32_MAX)
		return -EINVAL;
	int id = jr_files_intern(svc->env.files, fd, (uint32_t)n); /* a reference per page, which the records take */
	if (id < 0)
		return id;
	jr_slot_lock(sl);
	int st = sl->state;
	const struct jr_source_ops *ops = st == JR_STATE_FREE || st == JR_STATE_DEAD ? NULL : jr_source_ops(sl->source);
	if (!ops)
		err = -EBADF;
	else if (!ops->provenance || offset > sl->len || len > sl->len - offset)
		err = -EINVAL;
	else
		err = ops->provenance(sl, a / ps, n, id, (uint64_t)file_off + (a - offset));
	jr_slot_unlock(sl);
	if (err < 0)
		jr_files_unref(svc->env.files, id, (uint32_t)n);
	return err;
}
