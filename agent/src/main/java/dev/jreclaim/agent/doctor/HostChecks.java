package dev.jreclaim.agent.doctor;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import dev.jreclaim.agent.linux.UffdAbi;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Facts about the JVM and the host that decide whether and how jreclaim can work, read from
 * /proc and /sys only (no native call), so they are printed even where native access is denied.
 */
final class HostChecks {
    static final Path PROC_STATUS = Path.of("/proc/self/status");
    static final Path OSRELEASE = Path.of("/proc/sys/kernel/osrelease");
    static final Path UNPRIVILEGED_USERFAULTFD = Path.of("/proc/sys/vm/unprivileged_userfaultfd");
    static final Path THP_ENABLED = Path.of("/sys/kernel/mm/transparent_hugepage/enabled");

    private HostChecks() {}

    static ProcStatus procStatus() {
        return ProcStatus.parse(read(PROC_STATUS).orElse(""));
    }

    static boolean nativeAccessEnabled() {
        return HostChecks.class.getModule().isNativeAccessEnabled();
    }

    static List<CheckLine> jvm() {
        Runtime.Version v = Runtime.version();
        return List.of(
                new CheckLine("java", v + " (" + System.getProperty("java.vendor") + ", " + System.getProperty("java.home") + ")"),
                new CheckLine("native access", nativeAccessEnabled() ? "enabled"
                        : "not enabled (FFM calls warn, or fail under --illegal-native-access=deny): run with"
                                + " --enable-native-access=ALL-UNNAMED; java -jar gets it from the jar's manifest"));
    }

    static List<CheckLine> privileges(ProcStatus status) {
        List<CheckLine> lines = new ArrayList<>();
        lines.add(new CheckLine("kernel", read(OSRELEASE).orElse("unknown (" + OSRELEASE + " unreadable)")));
        lines.add(new CheckLine("euid", status.euid().isPresent() ? Integer.toString(status.euid().getAsInt()) : "unknown"));
        lines.add(new CheckLine("CAP_SYS_PTRACE", status.hasCapability(ProcStatus.CAP_SYS_PTRACE)
                .map(has -> has ? "yes" : "no").orElse("unknown (no CapEff in " + PROC_STATUS + ")")));
        lines.add(new CheckLine("seccomp", status.seccompMode()));
        lines.add(new CheckLine("vm.unprivileged_userfaultfd", read(UNPRIVILEGED_USERFAULTFD)
                .map(v -> v + (v.equals("0") ? " (the full userfaultfd system call needs CAP_SYS_PTRACE)"
                        : v.equals("1") ? " (every user may use the full userfaultfd system call)" : ""))
                .orElse("absent (" + UNPRIVILEGED_USERFAULTFD + " unreadable)")));
        lines.add(new CheckLine("device " + UffdAbi.DEVICE, deviceNode(Path.of(UffdAbi.DEVICE))));
        return lines;
    }

    /** "crw------- root:root", which with the uid says who may open the device. */
    static String deviceNode(Path dev) {
        try {
            PosixFileAttributes a = Files.readAttributes(dev, PosixFileAttributes.class);
            return (a.isOther() ? "c" : "?") + PosixFilePermissions.toString(a.permissions()) + " "
                    + a.owner().getName() + ":" + a.group().getName();
        } catch (IOException e) {
            return Files.exists(dev) ? "unreadable (" + e + ")" : "absent";
        }
    }

    static List<CheckLine> memory() {
        List<CheckLine> lines = new ArrayList<>();
        Optional<MemoryCgroup> cg;
        try {
            cg = MemoryCgroup.current();
        } catch (RuntimeException e) {
            cg = Optional.empty();
        }
        if (cg.isPresent()) {
            MemoryCgroup c = cg.get();
            lines.add(new CheckLine("memory cgroup", (c.version() == MemoryCgroup.Version.V1 ? "v1 " : "v2 ") + c.path()));
            String limit;
            try {
                OptionalLong l = c.limitBytes();
                limit = l.isPresent() ? (l.getAsLong() >> 20) + " MiB (the kernel drops purgeable pages first when it is reached)"
                        : "none (only host-wide pressure makes the kernel drop purgeable pages)";
            } catch (RuntimeException e) {
                limit = "unreadable (" + e.getMessage() + ")";
            }
            lines.add(new CheckLine("memory limit", limit));
        } else {
            lines.add(new CheckLine("memory cgroup", "none (no memory controller mounted for this process)"));
        }
        lines.add(new CheckLine("transparent hugepages", read(THP_ENABLED).map(HostChecks::selectedThpMode)
                .map(m -> m + " (the agent sets MADV_NOHUGEPAGE on its ranges, so khugepaged never merges restored"
                        + " pages into huge pages that could not be dropped)")
                .orElse("unknown (" + THP_ENABLED + " unreadable)")));
        return lines;
    }

    /** The bracketed choice of a sysfs multiple-choice file: "always [madvise] never" gives "madvise". */
    static String selectedThpMode(String sysfs) {
        int open = sysfs.indexOf('[');
        int close = sysfs.indexOf(']', open + 1);
        return open >= 0 && close > open ? sysfs.substring(open + 1, close) : sysfs.trim();
    }

    static Optional<String> read(Path p) {
        try {
            return Optional.of(Files.readString(p).trim());
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
