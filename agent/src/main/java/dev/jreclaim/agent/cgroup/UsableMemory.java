package dev.jreclaim.agent.cgroup;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The memory this process may use: the tightest limit of its memory cgroup and the cgroup's ancestors (v2
 * {@code memory.max} up the tree; v1 the hierarchy's own limit), else the machine's RAM ({@code MemTotal}). What
 * a percentage of {@code jreclaim.snapshot.max-memory} is of.
 */
public final class UsableMemory {
    private UsableMemory() {}

    public static long bytes() {
        long usable = memTotal();
        MemoryCgroup cg = MemoryCgroup.current().orElse(null);
        if (cg == null) {
            return usable;
        }
        OptionalLong own = cg.limitBytes();
        if (own.isPresent()) {
            usable = Math.min(usable, own.getAsLong());
        }
        if (cg.version() == MemoryCgroup.Version.V2) {
            for (Path p = cg.path().getParent(); p != null; p = p.getParent()) {
                OptionalLong l = v2Limit(p.resolve("memory.max"));
                if (l.isPresent()) {
                    usable = Math.min(usable, l.getAsLong());
                }
            }
        }
        return usable;
    }

    private static OptionalLong v2Limit(Path file) {
        try {
            String v = Files.readString(file).trim();
            return v.equals("max") ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(v));
        } catch (IOException | NumberFormatException e) {
            return OptionalLong.empty(); // not a cgroup directory (above the mount), or no limit file
        }
    }

    /** /proc/meminfo's MemTotal, in bytes (the JVM's own view, at worst, when it cannot be read). */
    static long memTotal() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
                }
            }
        } catch (IOException | NumberFormatException e) {
            // below
        }
        return Runtime.getRuntime().maxMemory();
    }
}
