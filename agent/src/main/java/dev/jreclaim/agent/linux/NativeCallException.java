package dev.jreclaim.agent.linux;

/**
 * A system call or libjreclaim call failed. The message names the call, what it was applied
 * to (a range, a file, a descriptor) and the errno, e.g.
 * {@code madvise(MADV_PAGEOUT) on range#3[0x7f12a0000000+1048576 SNAPSHOT] failed: EINVAL (Invalid argument)}.
 */
public class NativeCallException extends RuntimeException {
    private final String call;
    private final int errno;

    public NativeCallException(String call, String subject, int errno) {
        super(call + (subject == null || subject.isEmpty() ? "" : " on " + subject) + " failed: " + Errno.describe(errno));
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
