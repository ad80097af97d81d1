package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.config.PurgePolicy;
import dev.jreclaim.agent.range.RebuildSource;
import java.util.ArrayList;
import java.util.List;

/**
 * A rule's {@code on-purge} list resolved, once at start, to the rebuild source its buffers get: the first
 * entry this agent can serve. {@code rebuild:app} comes with a later issue and is skipped;
 * {@code rebuild:snapshot} needs write-protect support (a snapshot racing writers could lose them
 * otherwise). {@code rebuild:file} is a SNAPSHOT range whose pages filled by a JDK file read, and still
 * equal to the file at mark, keep no snapshot and are read back from the file (docs/fault-path.md, "Pages
 * rebuilt from the file they were read from"); it needs write-protect too, and {@code zero} after it: a page
 * whose file changed before the purge reads as zeros, never as the file's new bytes. None left: the rule's
 * buffers stay plain JDK memory.
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
 * @param fromFiles whether the rule's buffers record where JDK file reads filled them from (rebuild:file)
 * @param fileThenSnapshot rebuild:snapshot follows rebuild:file: a page read from a file keeps its bytes in the
 *                  snapshot too where that pays, and when its file changed it comes back from there instead of
 *                  falling to the last entry (page by page, docs/fault-path.md)
 * @param fileThrow throw ends a list with rebuild:file: a page whose file changed (and that no snapshot holds) is
 *                  lost, as a POISON page is; needs a full userfaultfd (a pin must tell a rebuilt page from a lost
 *                  one through the kernel's populate, which a user-mode-only userfaultfd does not serve)
 */
public record PurgeResolution(RebuildSource source, RebuildSource fallback, List<String> skipped, boolean fromFiles,
        boolean fileThenSnapshot, boolean fileThrow) {

    public PurgeResolution(RebuildSource source, RebuildSource fallback, List<String> skipped, boolean fromFiles) {
        this(source, fallback, skipped, fromFiles, false, false);
    }

    public PurgeResolution(RebuildSource source, List<String> skipped) {
        this(source, null, skipped, false);
    }

    public PurgeResolution(RebuildSource source, RebuildSource fallback, List<String> skipped) {
        this(source, fallback, skipped, false);
    }

    public static PurgeResolution resolve(List<PurgePolicy> onPurge, boolean writeProtect) {
        return resolve(onPurge, writeProtect, true);
    }

    public static PurgeResolution resolve(List<PurgePolicy> onPurge, boolean writeProtect, boolean kernelAccessServed) {
        List<String> skipped = new ArrayList<>();
        for (int i = 0; i < onPurge.size(); i++) {
            PurgePolicy p = onPurge.get(i);
            boolean zeroAfter = onPurge.subList(i + 1, onPurge.size()).contains(PurgePolicy.ZERO);
            boolean throwAfter = onPurge.subList(i + 1, onPurge.size()).contains(PurgePolicy.THROW);
            RebuildSource s = switch (p) {
                case REBUILD_SNAPSHOT -> writeProtect ? RebuildSource.SNAPSHOT : null;
                case REBUILD_FILE -> writeProtect && (zeroAfter || (throwAfter && kernelAccessServed))
                        ? RebuildSource.SNAPSHOT : null;
                case REBUILD_APP -> null;
                case ZERO -> RebuildSource.ZERO;
                case THROW -> RebuildSource.POISON;
            };
            if (s != null) {
                RebuildSource fallback = s == RebuildSource.SNAPSHOT && onPurge.getLast() == PurgePolicy.ZERO
                        ? RebuildSource.ZERO : null;
                boolean file = p == PurgePolicy.REBUILD_FILE;
                return new PurgeResolution(s, fallback, skipped, file,
                        file && onPurge.subList(i + 1, onPurge.size()).contains(PurgePolicy.REBUILD_SNAPSHOT),
                        file && throwAfter);
            }
            skipped.add(p.token() + switch (p) {
                case REBUILD_SNAPSHOT -> " needs userfaultfd write-protect";
                case REBUILD_FILE -> !writeProtect ? " needs userfaultfd write-protect"
                        : throwAfter ? " with throw after it needs a full userfaultfd (this one is user-mode-only)"
                        : " needs zero or throw after it (what a page whose file changed becomes)";
                default -> " is not supported yet";
            });
        }
        return new PurgeResolution(null, null, skipped, false);
    }

    /** "SNAPSHOT" (a chunk whose snapshot does not pay stays plain memory), "SNAPSHOT else ZERO", "FILE+SNAPSHOT else ZERO", "ZERO (rebuild:app is not supported yet)", "plain JDK memory (...)". */
    public String describe() {
        String head = source == null ? "plain JDK memory"
                : (fromFiles ? "FILE+" : "") + source.name() + (fileThenSnapshot ? " (file pages snapshotted too)" : "")
                        + (fallback == null ? "" : " else " + fallback) + (fileThrow ? ", file pages else THROW" : "");
        return skipped.isEmpty() ? head : head + " (" + String.join(", ", skipped) + ")";
    }
}
