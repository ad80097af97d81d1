package dev.jreclaim.agent.config;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * What a purged buffer becomes ({@code jreclaim.rule.<id>.on-purge}). The list is resolved per buffer
 * when it is first marked: the first entry that can serve that buffer wins. ZERO and THROW can
 * always serve, so they may only come last; a list without them leaves a buffer that none of its
 * rebuilds can serve as ordinary, never-reclaimed memory.
 */
public enum PurgePolicy {
    /** An LZ4 copy taken at mark time (needs userfaultfd write-protect support). */
    REBUILD_SNAPSHOT("rebuild:snapshot"),
    /** The bytes of the file the buffer was read from (only buffers the agent knows are file-backed). */
    REBUILD_FILE("rebuild:file"),
    /** An application callback registered through the jreclaim API; runs at lock time, never inside a fault. */
    REBUILD_APP("rebuild:app"),
    /** Purged pages read as zeros. */
    ZERO("zero"),
    /** A purged page is lost: a plain Java access fails (InternalError) and the API's lock reports PURGED. */
    THROW("throw");

    static final String ALLOWED = "use rebuild:snapshot, rebuild:file, rebuild:app, zero or throw";
    private final String token;

    PurgePolicy(String token) {
        this.token = token;
    }

    public String token() {
        return token;
    }

    /** Whether this entry can serve every buffer, which makes any later entry unreachable. */
    public boolean terminal() {
        return this == ZERO || this == THROW;
    }

    public static List<PurgePolicy> parseList(String text) throws InvalidValueException {
        List<PurgePolicy> list = new ArrayList<>();
        EnumSet<PurgePolicy> seen = EnumSet.noneOf(PurgePolicy.class);
        for (String raw : text.split(",", -1)) {
            String item = raw.strip();
            if (item.isEmpty()) {
                throw new InvalidValueException(text.isBlank() ? "empty list; " + ALLOWED
                        : "empty entry in the list; separate policies with single commas");
            }
            PurgePolicy p = of(item);
            if (!seen.add(p)) {
                throw new InvalidValueException("'" + p.token + "' appears twice");
            }
            if (!list.isEmpty() && list.getLast().terminal()) {
                throw new InvalidValueException("'" + p.token + "' after '" + list.getLast().token
                        + "' can never run; zero and throw must be last");
            }
            list.add(p);
        }
        return List.copyOf(list);
    }

    private static PurgePolicy of(String item) throws InvalidValueException {
        for (PurgePolicy p : values()) {
            if (p.token.equals(item.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        String hint = DidYouMean.closest(item.toLowerCase(Locale.ROOT), values(PurgePolicy::token));
        throw new InvalidValueException("unknown policy '" + item + "'; " + ALLOWED + hint);
    }

    private static List<String> values(java.util.function.Function<PurgePolicy, String> f) {
        return java.util.Arrays.stream(values()).map(f).toList();
    }
}
