package dev.jreclaim.agent.config;

/**
 * {@code jreclaim.pressure.headroom}: how much of its memory limit a process keeps free or cheaply reclaimable
 * before memory counts as short for {@code mark-when=pressure} rules, as a share of the limit ({@code 20%}) or a
 * size ({@code 64MiB}). The limit is the tightest of the process's memory cgroup and its ancestors (v2 memory.max
 * and memory.high, v1 memory.limit_in_bytes), or MemTotal when none has one.
 *
 * @param percent the share of the limit, 1 to 90; 0 when {@link #bytes} is given
 * @param bytes   a fixed size; 0 when {@link #percent} is given
 */
public record Headroom(int percent, long bytes) {
    public static final Headroom DEFAULT = new Headroom(20, 0);
    static final String ALLOWED = "use a share of the memory limit from 1% to 90% (e.g. 20%) or a size of at least"
            + " 1MiB (e.g. 64MiB)";

    public Headroom {
        if ((percent == 0) == (bytes == 0) || percent < 0 || percent > 90 || (bytes != 0 && bytes < 1 << 20)) {
            throw new IllegalArgumentException("headroom " + percent + "% / " + bytes + " bytes");
        }
    }

    /** The headroom in bytes under a limit of {@code limitBytes}. */
    public long of(long limitBytes) {
        return bytes != 0 ? Math.min(bytes, limitBytes) : limitBytes / 100 * percent;
    }

    static Headroom parse(String text) throws InvalidValueException {
        if (text.endsWith("%")) {
            String n = text.substring(0, text.length() - 1);
            if (!n.matches("[0-9]{1,3}")) {
                throw new InvalidValueException("not a whole percentage; " + ALLOWED);
            }
            int p = Integer.parseInt(n);
            if (p < 1 || p > 90) {
                throw new InvalidValueException("out of range; " + ALLOWED);
            }
            return new Headroom(p, 0);
        }
        long b;
        try {
            b = ByteSize.parse(text);
        } catch (InvalidValueException e) {
            throw new InvalidValueException(e.getMessage() + "; or " + ALLOWED);
        }
        if (b < 1 << 20) {
            throw new InvalidValueException("too small; " + ALLOWED);
        }
        return new Headroom(0, b);
    }

    @Override
    public String toString() {
        return percent != 0 ? percent + "%" : ByteSize.format(bytes);
    }
}
