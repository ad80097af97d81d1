package dev.jreclaim.agent.start;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.Accounting;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.runtime.ReclaimRuntime;

/**
 * One line at JVM exit with what the agent did: allocations taken, what is live and purged now, faults
 * served and pages rebuilt. It is what a demo or an operator without JMX can read afterwards (the
 * {@code jreclaim} MBean and {@code stat} give the same figures live).
 */
final class ExitSummary {
    private ExitSummary() {}

    static void register(ReclaimRuntime runtime) {
        Thread hook = new Thread(() -> System.err.println(line(runtime)), "jreclaim-exit-summary");
        hook.setDaemon(true);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static String line(ReclaimRuntime runtime) {
        try {
            ReclaimRuntime.Totals t = runtime.totals();
            RangeRegistry svc = runtime.registry();
            Accounting a = svc.accounting();
            FaultCounters c = svc.counters();
            // A page rebuilt from its file is served by its SNAPSHOT range's source: told apart here.
            long filePages = c.files().pages();
            long snapshotPages = Math.max(0, c.perSource().get(RebuildSource.SNAPSHOT).pages() - filePages);
            return "jreclaim: at exit: " + t.allocations() + " allocations taken, " + t.frees() + " freed, "
                    + a.ranges() + " live (" + mib(a.bytes()) + " MiB, " + mib(a.volatileBytes()) + " MiB volatile, "
                    + mib(a.writtenBytes()) + " MiB written since their mark, "
                    + mib(a.residentBytes()) + " MiB resident, " + mib(a.purgedBytes()) + " MiB purged now); "
                    + c.faultEvents() + " faults served, " + c.pagesRestored() + " pages rebuilt ("
                    + filePages + " from files, " + snapshotPages + " from snapshots), " + c.rebuildFailures()
                    + " rebuild failures; " + c.files().verified() + " page marks verified against their file, "
                    + c.files().unverified() + " not; file pages not rebuilt from their file: " + c.files().stale()
                    + " stale (" + c.files().staleByHash() + " by hash), " + c.files().missing() + " missing, "
                    + c.files().ioErrors() + " I/O errors (" + c.files().fellToSnapshot() + " of them rebuilt from the snapshot instead); "
                    + c.files().filesTracked() + " files tracked, " + c.files().filesOpen() + " open, "
                    + c.files().reopens() + " reopened, " + c.files().evictions() + " evicted; "
                    + mib(c.snapshots().heldBytes()) + " MiB in snapshots (the kernel cannot drop them), "
                    + spill(svc, c.snapshots().spill()) + ", "
                    + (c.snapshots().incompressible() + c.snapshots().overBudget()) + " chunk marks without one ("
                    + c.snapshots().incompressible() + " incompressible, " + c.snapshots().overBudget()
                    + " over the limit), " + mib(a.keptBytes()) + " MiB left plain; agent's own memory "
                    + mib(c.agentBytes()) + " MiB (" + mib(svc.memory().recycledBytes())
                    + " MiB of it in recycled slots, which the kernel may drop)";
        } catch (RuntimeException e) {
            return "jreclaim: at exit: figures unavailable (" + e + ")";
        }
    }

    /** The spill file's figures: on disk, not the agent's memory (page cache the kernel may drop once written back). */
    static String spill(RangeRegistry svc, FaultCounters.Spill s) {
        return mib(s.heldBytes()) + " MiB spilled (" + svc.spill() + "; " + s.chunks() + " chunks, " + mib(s.writtenBytes())
                + " MiB written, " + mib(s.readBytes()) + " MiB read back, " + s.writeErrors() + " write errors, "
                + s.readErrors() + " read errors)";
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }
}
