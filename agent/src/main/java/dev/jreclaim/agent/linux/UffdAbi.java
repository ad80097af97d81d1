package dev.jreclaim.agent.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * userfaultfd ABI, x86_64, from the kernel's {@code include/uapi/linux/userfaultfd.h} (Linux 6.x;
 * the installed header is older, so nothing here is taken from it) and {@code userfaultfd(2)},
 * {@code ioctl_userfaultfd(2)}.
 */
public final class UffdAbi {
    /** {@code __NR_userfaultfd}, arch/x86/entry/syscalls/syscall_64.tbl. */
    public static final long SYS_USERFAULTFD = 323;
    /** {@code UFFD_USER_MODE_ONLY} (Linux 5.11): only user-mode faults are handled; allowed to everyone. */
    public static final int UFFD_USER_MODE_ONLY = 1;
    /** {@code UFFD_API}. */
    public static final long UFFD_API = 0xAA;
    /** {@code USERFAULTFD_IOC_NEW} = _IO(0xAA, 0x00), on /dev/userfaultfd (Linux 6.1). */
    public static final long USERFAULTFD_IOC_NEW = 0xAA00L;
    public static final String DEVICE = "/dev/userfaultfd";

    /** {@code UFFDIO_API} = _IOWR(0xAA, 0x3F, struct uffdio_api). */
    public static final long UFFDIO_API = 0xC018AA3FL;


    /** struct uffdio_api { u64 api; u64 features; u64 ioctls; }: 24 bytes. */
    public static final long UFFDIO_API_SIZE = 24;

    /** {@code UFFD_FEATURE_*} bits, in bit order, by their names in userfaultfd.h. */
    private static final String[] FEATURE_NAMES = {
        "PAGEFAULT_FLAG_WP", "EVENT_FORK", "EVENT_REMAP", "EVENT_REMOVE", "MISSING_HUGETLBFS",
        "MISSING_SHMEM", "EVENT_UNMAP", "SIGBUS", "THREAD_ID", "MINOR_HUGETLBFS", "MINOR_SHMEM",
        "EXACT_ADDRESS", "WP_HUGETLBFS_SHMEM", "WP_UNPOPULATED", "POISON", "WP_ASYNC", "MOVE",
    };
    public static final long UFFD_FEATURE_PAGEFAULT_FLAG_WP = 1L;
    public static final long UFFD_FEATURE_THREAD_ID = 1L << 8;
    public static final long UFFD_FEATURE_POISON = 1L << 14;

    private UffdAbi() {}

    /** Names of the set feature bits, "UFFD_FEATURE_" omitted; unknown bits as "bit N". */
    public static List<String> featureNames(long features) {
        List<String> names = new ArrayList<>();
        for (int bit = 0; bit < 64; bit++) {
            if ((features & (1L << bit)) != 0) {
                names.add(bit < FEATURE_NAMES.length ? FEATURE_NAMES[bit] : "bit " + bit);
            }
        }
        return names;
    }

    public static String featureName(int bit) {
        return bit < FEATURE_NAMES.length ? FEATURE_NAMES[bit] : "bit " + bit;
    }

    public static int knownFeatureCount() {
        return FEATURE_NAMES.length;
    }
}
