package dev.jreclaim.agent.linux;

/** Memory-management constants, x86_64, as in {@code asm-generic/mman-common.h} and {@code mman(2)}, {@code madvise(2)}. */
public final class Mman {
    /** {@code PROT_READ}, asm-generic/mman-common.h. */
    public static final int PROT_READ = 0x1;
    /** {@code PROT_WRITE}, asm-generic/mman-common.h. */
    public static final int PROT_WRITE = 0x2;
    /** {@code MAP_PRIVATE}, linux/mman.h. */
    public static final int MAP_PRIVATE = 0x02;
    /** {@code MAP_ANONYMOUS}, asm-generic/mman-common.h. */
    public static final int MAP_ANONYMOUS = 0x20;
    /** {@code MAP_NORESERVE}, asm-generic/mman.h (x86_64): no swap reservation. */
    public static final int MAP_NORESERVE = 0x4000;
    /** {@code MAP_FAILED}, mman(2). */
    public static final long MAP_FAILED = -1L;

    /** {@code MADV_DONTNEED}: drop the pages now; the next touch sees zeros or the uffd. */
    public static final int MADV_DONTNEED = 4;
    /** {@code MADV_FREE} (Linux 4.5): clean pages become lazyfree, droppable under pressure. */
    public static final int MADV_FREE = 8;
    /** {@code MADV_NOHUGEPAGE}: keep khugepaged from merging restored pages into an undroppable THP. */
    public static final int MADV_NOHUGEPAGE = 15;
    /** {@code MADV_PAGEOUT} (Linux 5.4): reclaim now; after MADV_FREE this drops lazyfree pages. */
    public static final int MADV_PAGEOUT = 21;

    /** {@code _SC_PAGESIZE}, bits/confname.h. */
    public static final int SC_PAGESIZE = 30;

    /** {@code O_RDONLY}, {@code O_RDWR}, {@code O_CLOEXEC}, {@code O_NONBLOCK}: asm-generic/fcntl.h. */
    public static final int O_RDONLY = 0;
    public static final int O_RDWR = 2;
    public static final int O_NONBLOCK = 0x800;
    public static final int O_CLOEXEC = 0x80000;

    /** {@code F_DUPFD_CLOEXEC}: F_LINUX_SPECIFIC_BASE (1024) + 6, linux/fcntl.h. */
    public static final int F_DUPFD_CLOEXEC = 1030;

    /** {@code SEEK_CUR}: lseek(2)'s whence for "from the current offset", linux/fs.h. */
    public static final int SEEK_CUR = 1;

    private Mman() {}

    public static String adviceName(int advice) {
        return switch (advice) {
            case MADV_DONTNEED -> "MADV_DONTNEED";
            case MADV_FREE -> "MADV_FREE";
            case MADV_NOHUGEPAGE -> "MADV_NOHUGEPAGE";
            case MADV_PAGEOUT -> "MADV_PAGEOUT";
            default -> "advice " + advice;
        };
    }
}
