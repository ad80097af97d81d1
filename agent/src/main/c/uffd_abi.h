/*
 * Kernel ABI that the installed <linux/userfaultfd.h> (older than the running kernel) lacks.
 * Every value comes from the kernel's include/uapi/linux/userfaultfd.h or
 * include/uapi/asm-generic/mman-common.h, as named beside it.
 */
#ifndef JRECLAIM_UFFD_ABI_H
#define JRECLAIM_UFFD_ABI_H

#include <linux/userfaultfd.h>
#include <sys/mman.h>

/* include/uapi/linux/userfaultfd.h (Linux 6.6): UFFDIO_POISON installs a poison marker. */
#ifndef _UFFDIO_POISON
#define _UFFDIO_POISON (0x08)
struct uffdio_poison {
	struct uffdio_range range;
#define UFFDIO_POISON_MODE_DONTWAKE ((__u64)1 << 0)
	__u64 mode;
	__s64 updated;
};
#define UFFDIO_POISON _IOWR(UFFDIO, _UFFDIO_POISON, struct uffdio_poison)
#endif

/* include/uapi/linux/userfaultfd.h (Linux 6.6): feature bit announcing UFFDIO_POISON. */
#ifndef UFFD_FEATURE_POISON
#define UFFD_FEATURE_POISON (1 << 14)
#endif

/* include/uapi/asm-generic/mman-common.h (Linux 5.4). */
#ifndef MADV_PAGEOUT
#define MADV_PAGEOUT 21
#endif

#endif
