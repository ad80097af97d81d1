package dev.jreclaim.agent.config;

import java.util.Locale;

/**
 * How the fault service opens its userfaultfd ({@code jreclaim.uffd.mode}). AUTO takes the best the
 * process is allowed; the others insist on one way in, and the agent disables itself if refused.
 */
public enum UffdMode {
    AUTO("auto"),
    /** Full mode through the userfaultfd(2) system call (needs CAP_SYS_PTRACE or vm.unprivileged_userfaultfd=1). */
    SYSCALL("syscall"),
    /** Full mode through /dev/userfaultfd (needs read-write access to it). */
    DEVICE("device"),
    /** UFFD_USER_MODE_ONLY: unprivileged; a system call touching a purged page fails with EFAULT until pinned. */
    USER_MODE_ONLY("user-mode-only");

    static final String ALLOWED = "use auto, syscall, device or user-mode-only";
    private final String token;

    UffdMode(String token) {
        this.token = token;
    }

    public static UffdMode parse(String text) throws InvalidValueException {
        for (UffdMode m : values()) {
            if (m.token.equals(text.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new InvalidValueException("not a userfaultfd mode; " + ALLOWED);
    }

    public String token() {
        return token;
    }
}
