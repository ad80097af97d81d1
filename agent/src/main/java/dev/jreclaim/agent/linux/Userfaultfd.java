package dev.jreclaim.agent.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Optional;

/**
 * A userfaultfd, opened the best way this process may, with one {@code UFFDIO_API} handshake.
 *
 * <p>Three ways in, tried in this order by {@link #open}:
 * <ol>
 * <li>{@link Mode#FULL_SYSCALL}: {@code userfaultfd(2)}. Needs {@code vm.unprivileged_userfaultfd=1}
 *     or CAP_SYS_PTRACE. Faults from system calls ({@code read(2)} into a buffer, {@code write(2)}
 *     from it) are served like any other.
 * <li>{@link Mode#FULL_DEVICE}: {@code ioctl(open("/dev/userfaultfd"), USERFAULTFD_IOC_NEW)}
 *     (Linux 6.1). Same power; needs permission on the device node.
 * <li>{@link Mode#USER_MODE_ONLY}: {@code userfaultfd(UFFD_USER_MODE_ONLY)}, allowed to every user
 *     since Linux 5.11. Loads and stores from user code are served; a system call that touches a
 *     purged page fails with {@code EFAULT} instead.
 * </ol>
 * Container seccomp profiles commonly deny the system call outright; then only the device is left.
 * Features are probed on a throwaway descriptor, never assumed from the kernel version: a second
 * {@code UFFDIO_API} on one descriptor fails with {@code EINVAL}.
 */
public final class Userfaultfd implements AutoCloseable {

    public enum Mode {
        FULL_SYSCALL("full (userfaultfd system call)"),
        FULL_DEVICE("full (/dev/userfaultfd)"),
        USER_MODE_ONLY("user-mode-only (UFFD_USER_MODE_ONLY)");

        private final String description;

        Mode(String description) {
            this.description = description;
        }

        public String description() {
            return description;
        }

        /** Whether a system call touching a purged page is served (true) or fails with EFAULT (false). */
        public boolean servesKernelAccess() {
            return this != USER_MODE_ONLY;
        }
    }

    /** Result of trying one way in: a descriptor, or the errno that refused it. */
    public record Attempt(Mode mode, int fd, int errno) {
        public boolean ok() {
            return fd >= 0;
        }

        public String outcome() {
            return ok() ? "available" : "refused: " + Errno.describe(errno);
        }
    }

    /** What a probe found: each way in, and the features offered by the first that worked. */
    public record Probe(Attempt syscall, Attempt device, Attempt userModeOnly, long features, long ioctls, int apiErrno) {
        public Optional<Mode> best() {
            for (Attempt a : new Attempt[] {syscall, device, userModeOnly}) {
                if (a.ok()) {
                    return Optional.of(a.mode());
                }
            }
            return Optional.empty();
        }
    }

    private final int fd;
    private final Mode mode;
    private final long features;
    private final long ioctls;
    private volatile boolean closed;

    private Userfaultfd(int fd, Mode mode, long features, long ioctls) {
        this.fd = fd;
        this.mode = mode;
        this.features = features;
        this.ioctls = ioctls;
    }

    private static Attempt attempt(Mode mode) {
        int flags = Mman.O_CLOEXEC | Mman.O_NONBLOCK;
        switch (mode) {
            case FULL_SYSCALL -> {
                long r = Libc.syscall(UffdAbi.SYS_USERFAULTFD, flags);
                return new Attempt(mode, r >= 0 ? (int) r : -1, r >= 0 ? 0 : (int) -r);
            }
            case FULL_DEVICE -> {
                int dev = Libc.open(UffdAbi.DEVICE, Mman.O_RDWR | Mman.O_CLOEXEC);
                if (dev < 0) {
                    return new Attempt(mode, -1, -dev);
                }
                int r = Libc.ioctl(dev, UffdAbi.USERFAULTFD_IOC_NEW, flags);
                Libc.close(dev);
                return new Attempt(mode, r >= 0 ? r : -1, r >= 0 ? 0 : -r);
            }
            case USER_MODE_ONLY -> {
                long r = Libc.syscall(UffdAbi.SYS_USERFAULTFD, flags | UffdAbi.UFFD_USER_MODE_ONLY);
                return new Attempt(mode, r >= 0 ? (int) r : -1, r >= 0 ? 0 : (int) -r);
            }
            default -> throw new IllegalArgumentException(mode.name());
        }
    }

    /** {@code UFFDIO_API} with the requested features; returns {features, ioctls} or throws. */
    private static long[] handshake(int fd, long requested) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment api = arena.allocate(UffdAbi.UFFDIO_API_SIZE, 8);
            api.set(JAVA_LONG, 0, UffdAbi.UFFD_API);
            api.set(JAVA_LONG, 8, requested);
            int r = Libc.ioctl(fd, UffdAbi.UFFDIO_API, api);
            if (r < 0) {
                throw new NativeCallException("ioctl(UFFDIO_API)", "userfaultfd " + fd, -r);
            }
            return new long[] {api.get(JAVA_LONG, 8), api.get(JAVA_LONG, 16)};
        }
    }

    /** Tries every way in and reads the offered features on a throwaway descriptor. Opens nothing that stays open. */
    public static Probe probe() {
        Attempt sys = attempt(Mode.FULL_SYSCALL);
        Attempt dev = attempt(Mode.FULL_DEVICE);
        Attempt umo = attempt(Mode.USER_MODE_ONLY);
        long features = 0;
        long ioctls = 0;
        int apiErrno = 0;
        boolean done = false;
        for (Attempt a : new Attempt[] {sys, dev, umo}) {
            if (a.ok()) {
                if (!done) {
                    try {
                        long[] f = handshake(a.fd(), 0);
                        features = f[0];
                        ioctls = f[1];
                    } catch (NativeCallException e) {
                        apiErrno = e.errno();
                    }
                    done = true;
                }
                Libc.close(a.fd());
            }
        }
        return new Probe(sys, dev, umo, features, ioctls, apiErrno);
    }

    /**
     * Opens a userfaultfd: in {@code preferred} mode if given, else the first that works in the
     * order above. Requests {@code wanted & offered} features.
     *
     * @throws UserfaultfdUnavailableException when no way in is permitted
     */
    public static Userfaultfd open(Mode preferred, long wanted) {
        Mode[] order = preferred != null
                ? new Mode[] {preferred}
                : new Mode[] {Mode.FULL_SYSCALL, Mode.FULL_DEVICE, Mode.USER_MODE_ONLY};
        StringBuilder refused = new StringBuilder();
        for (Mode m : order) {
            Attempt probe = attempt(m);
            if (!probe.ok()) {
                refused.append(refused.isEmpty() ? "" : "; ").append(m.description()).append(": ").append(probe.outcome());
                continue;
            }
            long offered;
            try {
                offered = handshake(probe.fd(), 0)[0];
            } finally {
                Libc.close(probe.fd());
            }
            Attempt a = attempt(m);
            if (!a.ok()) {
                refused.append(refused.isEmpty() ? "" : "; ").append(m.description()).append(": ").append(a.outcome());
                continue;
            }
            try {
                long[] f = handshake(a.fd(), wanted & offered);
                return new Userfaultfd(a.fd(), m, f[0], f[1]);
            } catch (NativeCallException e) {
                Libc.close(a.fd());
                throw e;
            }
        }
        throw new UserfaultfdUnavailableException("no userfaultfd is available to this process: " + refused);
    }

    public int fd() {
        return fd;
    }

    public Mode mode() {
        return mode;
    }

    /** The features this descriptor was opened with (what {@code UFFDIO_API} granted). */
    public long features() {
        return features;
    }

    public long ioctls() {
        return ioctls;
    }

    public boolean has(long feature) {
        return (features & feature) == feature;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closing wakes any thread the kernel still has waiting on this descriptor. */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }
}
