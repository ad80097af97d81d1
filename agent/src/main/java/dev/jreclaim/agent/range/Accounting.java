package dev.jreclaim.agent.range;

/**
 * Totals over a set of ranges at one moment (ranges freed meanwhile are left out). {@code volatileBytes}: what
 * the kernel can drop now; {@code keptBytes}: what their last marks left ordinary memory
 * ({@link RangeStats#keptBytes()}); {@code writtenBytes}: what was written since its mark and waits for the next
 * ({@link RangeStats#writtenBytes()}).
 */
public record Accounting(int ranges, long bytes, long volatileBytes, long residentBytes, long purgedBytes,
        long snapshotBytes, long faults, long pagesRestored, long keptBytes, long writtenBytes) {

    public static Accounting of(Iterable<VolatileRange> of) {
        int n = 0;
        long bytes = 0, vol = 0, res = 0, purged = 0, snap = 0, faults = 0, restored = 0, kept = 0, written = 0;
        for (VolatileRange r : of) {
            RangeStats s;
            try {
                s = r.stats();
            } catch (IllegalStateException freedMeanwhile) {
                continue;
            }
            n++;
            bytes += s.bytes();
            vol += s.volatileBytes();
            res += s.residentBytes();
            purged += s.purgedBytes();
            snap += s.snapshotBytes();
            faults += s.faults();
            restored += s.pagesRestored();
            kept += s.keptBytes();
            written += s.writtenBytes();
        }
        return new Accounting(n, bytes, vol, res, purged, snap, faults, restored, kept, written);
    }
}
