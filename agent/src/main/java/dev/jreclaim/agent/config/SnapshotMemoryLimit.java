package dev.jreclaim.agent.config;

/**
 * {@code jreclaim.snapshot.max-memory}: a size, or a percentage of the memory the process may use (its memory cgroup's
 * tightest limit, else the machine's RAM), resolved at start ({@link #resolve}).
 *
 * @param bytes   the size, when {@code percent < 0}
 * @param percent 0 to 100, or -1 for a size
 */
public record SnapshotMemoryLimit(long bytes, int percent) {
    /**
     * 10%: snapshots in memory are anonymous memory the kernel cannot drop without swap, so they are the agent's
     * cost over the plain JDK; a tenth of what the process may use keeps that cost small against its limit, and
     * chunks past it go to the spill file (page cache, droppable) or, without one, stay plain memory as the plain
     * JDK's would (docs/configuration.md).
     */
    public static final SnapshotMemoryLimit DEFAULT = new SnapshotMemoryLimit(0, 10);

    public SnapshotMemoryLimit {
        if (percent < -1 || percent > 100 || (percent < 0 && bytes < 0)) {
            throw new IllegalArgumentException("snapshot memory limit out of range: " + bytes + " bytes, " + percent + "%");
        }
    }

    public static SnapshotMemoryLimit ofBytes(long bytes) {
        return new SnapshotMemoryLimit(bytes, -1);
    }

    static SnapshotMemoryLimit parse(String text) throws InvalidValueException {
        if (!text.endsWith("%")) {
            return ofBytes(ByteSize.parse(text));
        }
        String n = text.substring(0, text.length() - 1);
        if (!n.matches("[0-9]{1,3}") || Integer.parseInt(n) > 100) {
            throw new InvalidValueException("not a percentage; use a whole number from 0 to 100 before % (e.g. 10%),"
                    + " or a size (e.g. 64MiB)");
        }
        return new SnapshotMemoryLimit(0, Integer.parseInt(n));
    }

    /** The limit in bytes, given the memory the process may use. */
    public long resolve(long usableBytes) {
        return percent < 0 ? bytes : usableBytes / 100 * percent + usableBytes % 100 * percent / 100; // no overflow
    }

    @Override
    public String toString() {
        return percent < 0 ? bytes + " bytes" : percent + "%";
    }
}
