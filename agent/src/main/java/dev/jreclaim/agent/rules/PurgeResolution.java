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
 * @param source  null when no entry can serve
 * @param skipped the entries passed over, with why, for the start-up line
 */
public record PurgeResolution(RebuildSource source, List<String> skipped) {

    public static PurgeResolution resolve(List<PurgePolicy> onPurge, boolean writeProtect) {
        List<String> skipped = new ArrayList<>();
        for (PurgePolicy p : onPurge) {
            RebuildSource s = switch (p) {
                case REBUILD_SNAPSHOT -> writeProtect ? RebuildSource.SNAPSHOT : null;
                case REBUILD_FILE, REBUILD_APP -> null;
                case ZERO -> RebuildSource.ZERO;
                case THROW -> RebuildSource.POISON;
            };
            if (s != null) {
                return new PurgeResolution(s, skipped);
            }
            skipped.add(p.token() + (p == PurgePolicy.REBUILD_SNAPSHOT ? " needs userfaultfd write-protect"
                    : " is not supported yet"));
        }
        return new PurgeResolution(null, skipped);
    }

    /** "SNAPSHOT", "ZERO (rebuild:file is not supported yet)", "plain JDK memory (...)". */
    public String describe() {
        String head = source == null ? "plain JDK memory" : source.name();
        return skipped.isEmpty() ? head : head + " (" + String.join(", ", skipped) + ")";
    }
}
