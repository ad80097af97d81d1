package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.config.PurgePolicy;
import dev.jreclaim.agent.range.RebuildSource;
import java.util.ArrayList;
import java.util.List;

/**
 * A rule's {@code on-purge} list resolved, once at start, to the rebuild source its buffers get: the first
 * entry this agent can serve. {@code rebuild:file} and {@code rebuild:app} come with later issues and are
 * skipped; {@code rebuild:snapshot} needs write-protect support (a snapshot racing writers could lose
 * them otherwise). None left: the rule's buffers stay plain JDK memory.
 *
 * <p>A SNAPSHOT chunk whose snapshot does not pay ({@code jreclaim.snapshot.min-ratio}, {@code max-memory})
 * falls to the entry after it, chunk by chunk: {@code zero} makes it read as zeros once purged; anything else
 * (nothing, or {@code throw}) keeps it ordinary memory. {@code throw} is not applied to a chunk of a SNAPSHOT
 * range because lock() of a rebuilding range is O(1) and reports INTACT, and pin() trusts every page to come
 * back (docs/configuration.md, on-purge).
 *
 * @param source   null when no entry can serve
 * @param fallback what a SNAPSHOT chunk without a snapshot becomes: ZERO, or null for ordinary memory
 * @param skipped  the entries passed over, with why, for the start-up line
 */
public record PurgeResolution(RebuildSource source, RebuildSource fallback, List<String> skipped) {

    public PurgeResolution(RebuildSource source, List<String> skipped) {
        this(source, null, skipped);
    }

    public static PurgeResolution resolve(List<PurgePolicy> onPurge, boolean writeProtect) {
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < onPurge.size(); i++) {
            PurgePolicy p = onPurge.get(i);
            RebuildSource s = switch (p) {
                case REBUILD_SNAPSHOT -> writeProtect ? RebuildSource.SNAPSHOT : null;
                case REBUILD_FILE, REBUILD_APP -> null;
                case ZERO -> RebuildSource.ZERO;
                case THROW -> RebuildSource.POISON;
            };
            if (s != null) {
                RebuildSource fallback = s == RebuildSource.SNAPSHOT && onPurge.getLast() == PurgePolicy.ZERO
                        ? RebuildSource.ZERO : null;
                return new PurgeResolution(s, fallback, skipped);
            }
            skipped.add(p.token() + (p == PurgePolicy.REBUILD_SNAPSHOT ? " needs userfaultfd write-protect"
                    : " is not supported yet"));
        }
        return new PurgeResolution(null, null, skipped);
    }

    /** "SNAPSHOT" (a chunk whose snapshot does not pay stays plain memory), "SNAPSHOT else ZERO", "ZERO (rebuild:file is not supported yet)", "plain JDK memory (...)". */
    public String describe() {
        String head = source == null ? "plain JDK memory" : source.name() + (fallback == null ? "" : " else " + fallback);
        return skipped.isEmpty() ? head : head + " (" + String.join(", ", skipped) + ")";
    }
}
