package dev.jreclaim.agent.doctor;

import dev.jreclaim.agent.linux.Errno;
import dev.jreclaim.agent.linux.UffdAbi;
import dev.jreclaim.agent.linux.Userfaultfd;
import dev.jreclaim.agent.linux.Userfaultfd.Attempt;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** What a {@link Userfaultfd#probe()} found, as lines, and why none worked when none did. */
final class UserfaultfdChecks {
    static final String FULL_MODE_NEEDS = "CAP_SYS_PTRACE, or vm.unprivileged_userfaultfd=1, or read-write access to "
            + UffdAbi.DEVICE;

    private UserfaultfdChecks() {}

    static List<CheckLine> lines(Userfaultfd.Probe p) {
        List<CheckLine> lines = new ArrayList<>();
        lines.add(new CheckLine("userfaultfd syscall", p.syscall().outcome()));
        lines.add(new CheckLine("userfaultfd device", p.device().outcome()));
        lines.add(new CheckLine("userfaultfd user-mode-only", p.userModeOnly().outcome()));
        if (p.best().isEmpty()) {
            lines.add(new CheckLine("userfaultfd features", "unknown (no userfaultfd could be opened)"));
            return lines;
        }
        if (p.apiErrno() != 0) {
            lines.add(new CheckLine("userfaultfd features", "unknown (UFFDIO_API failed: " + Errno.describe(p.apiErrno()) + ")"));
            return lines;
        }
        long f = p.features();
        lines.add(new CheckLine("userfaultfd features", "0x" + Long.toHexString(f)));
        for (int bit = 0; bit < 64; bit++) {
            if (bit < UffdAbi.knownFeatureCount() || (f & (1L << bit)) != 0) {
                lines.add(new CheckLine("feature " + UffdAbi.featureName(bit), (f & (1L << bit)) != 0 ? "yes" : "no"));
            }
        }
        lines.add(new CheckLine("write-protect", (f & UffdAbi.UFFD_FEATURE_PAGEFAULT_FLAG_WP) != 0
                ? "yes (SNAPSHOT marking works; restored pages are made reclaimable again)"
                : "no (SNAPSHOT marking unsupported; restored pages stay resident until the range is marked again)"));
        lines.add(new CheckLine("poison", (f & UffdAbi.UFFD_FEATURE_POISON) != 0
                ? "yes (POISON source supported)" : "no (POISON source unsupported; needs Linux 6.6)"));
        return lines;
    }

    /** What the mode the fault service got means for the application. */
    static String meaning(Userfaultfd.Mode mode) {
        return mode.description() + ": " + (mode.servesKernelAccess()
                ? "system calls that read or write a purged page (FileChannel.write/read, socket I/O) are served"
                        + " transparently, like loads and stores from Java"
                : "loads and stores from Java are served, but a system call that reads or writes a purged page fails"
                        + " with EFAULT (IOException: Bad address) unless pinned first; the agent pins every JDK path"
                        + " that makes one (channels, sockets, datagrams, xattrs; and zip, checksums, mismatch), so"
                        + " jreclaim.uffd.mode=auto runs the agent in this mode. Unguarded: system calls made by the"
                        + " application's own JNI or FFM code on reclaimable buffers (Netty native transports,"
                        + " io_uring); full mode serves them and needs " + FULL_MODE_NEEDS)
                + ". In every mode, JNI or FFM code reading a purged on-purge=throw buffer (zstd-jni, lz4-java) crashes"
                + " the JVM: such buffers need a rebuilding on-purge";
    }

    /** Why no userfaultfd at all is available and what to change; empty when one is. */
    static Optional<String> unavailableReason(Userfaultfd.Probe p, ProcStatus status) {
        if (p.best().isPresent()) {
            return Optional.empty();
        }
        Attempt umo = p.userModeOnly();
        StringBuilder why = new StringBuilder("no userfaultfd can be opened (system call: ")
                .append(Errno.name(p.syscall().errno())).append(", ").append(UffdAbi.DEVICE).append(": ")
                .append(Errno.name(p.device().errno())).append(", user-mode-only: ").append(Errno.name(umo.errno()))
                .append("). ");
        switch (umo.errno()) {
            case Errno.EPERM -> why.append("The userfaultfd system call is refused with EPERM even in user-mode-only mode,"
                    + " which every user may use since Linux 5.11: a seccomp filter denies it")
                    .append(status.seccomp().orElse(0) == 2 ? " (this process runs under one)" : "")
                    .append(". Docker's default seccomp profile denies userfaultfd: run the container with a custom profile"
                            + " that allows it (--security-opt seccomp=<profile.json>), or the Kubernetes equivalent"
                            + " (securityContext.seccompProfile of type Localhost).");
            case Errno.EINVAL -> why.append("This kernel has no UFFD_USER_MODE_ONLY (Linux 5.11):"
                    + " set vm.unprivileged_userfaultfd=1 (sysctl -w vm.unprivileged_userfaultfd=1) or grant CAP_SYS_PTRACE.");
            case Errno.ENOSYS -> why.append("The kernel has no userfaultfd (CONFIG_USERFAULTFD is off), or a seccomp filter"
                    + " answers ENOSYS: use a kernel built with it, or allow the system call in the seccomp profile.");
            default -> why.append("The user-mode-only system call failed with ").append(Errno.describe(umo.errno()))
                    .append(": allow userfaultfd in the seccomp profile.");
        }
        why.append(' ').append(deviceAdvice(p.device()));
        return Optional.of(why.toString());
    }

    private static String deviceAdvice(Attempt device) {
        return switch (device.errno()) {
            case Errno.ENOENT -> "Alternatively provide " + UffdAbi.DEVICE + " (Linux 6.1; in a container: --device "
                    + UffdAbi.DEVICE + ").";
            case Errno.EACCES, Errno.EPERM -> "Alternatively let this user open " + UffdAbi.DEVICE
                    + " (it is usually mode 0600 root: e.g. a udev rule giving a group of the user rw access),"
                    + " which a seccomp filter on the system call does not affect.";
            default -> "Opening " + UffdAbi.DEVICE + " failed with " + Errno.describe(device.errno()) + ".";
        };
    }
}
