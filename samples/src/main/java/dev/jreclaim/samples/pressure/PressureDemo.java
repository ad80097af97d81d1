package dev.jreclaim.samples.pressure;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

/**
 * The pressure demo: the same 1 GiB working set, four times the memory cgroup it runs in, held once as
 * jreclaim ranges marked reclaimable and once as plain {@code ByteBuffer.allocateDirect}. The first
 * reads every byte back three times, correct; the second is OOM-killed. Exit status 0 when exactly that
 * happened, 1 when not, 2 when no memory cgroup can be made here.
 */
public final class PressureDemo {
    private static final long MIB = 1 << 20;

    public static void main(String[] args) throws Exception {
        ConfinedRun.Settings settings = ConfinedRun.Settings.standard(Duration.ofSeconds(120));
        Optional<String> unavailable = ConfinedRun.unavailableReason(settings.limitBytes());
        if (unavailable.isPresent()) {
            System.out.println("pressure demo: cannot make a memory cgroup: " + unavailable.get());
            System.exit(2);
        }
        System.out.printf("pressure demo: a %d MiB working set in a memory cgroup limited to %d MiB (under %s)%n",
                settings.totalMiB(), settings.limitBytes() / MIB,
                MemoryCgroup.current().map(MemoryCgroup::describe).orElse("?"));
        RunOutcome reclaimable = runEchoing(WorkingSetMode.RECLAIMABLE, settings,
                "jreclaim SNAPSHOT ranges, each marked after filling");
        RunOutcome plain = runEchoing(WorkingSetMode.PLAIN, settings, "ByteBuffer.allocateDirect");
        System.out.println();
        printSummary(reclaimable, plain);
        boolean shown = reclaimable.verified() && plain.oomKilled();
        System.out.println(shown
                ? "pressure demo: OK: the reclaimable working set survived and verified; the plain one was OOM-killed"
                : "pressure demo: NOT SHOWN: expected the reclaimable run verified and the plain run OOM-killed");
        System.exit(shown ? 0 : 1);
    }

    private static RunOutcome runEchoing(WorkingSetMode mode, ConfinedRun.Settings settings, String what)
            throws Exception {
        System.out.printf("%n== %s (%s), in a cgroup of its own ==%n", mode.cliName(), what);
        return ConfinedRun.run(mode, settings, line -> System.out.println("  | " + line));
    }

    private static void printSummary(RunOutcome a, RunOutcome b) {
        row("", a.mode().cliName(), b.mode().cliName());
        row("outcome", a.describe(), b.describe());
        row("wall time (JVM start to exit)", seconds(a.wallMillis()), seconds(b.wallMillis()));
        both("fill (and mark)", a, b, r -> seconds(r.fillMillis()));
        both("read-backs", a, b, r -> r.passes() + " x " + (r.bytes() / MIB) + " MiB in " + seconds(r.readMillis()));
        both("wrong bytes", a, b, r -> Long.toString(r.wrongBytes()));
        both("child peak RSS (VmHWM)*", a, b, r -> mib(r.vmHwmBytes()));
        row("cgroup peak / limit hits", mib(a.cgroupPeakBytes()) + " / " + a.limitHits(),
                mib(b.cgroupPeakBytes()) + " / " + b.limitHits());
        row("cgroup OOM kills", Long.toString(a.oomKills()), Long.toString(b.oomKills()));
        both("faults served: fill / read-backs", a, b, r -> r.fillFaults() + " / " + r.readFaults());
        both("pages restored in read-backs", a, b, r -> r.readPagesRestored() + " (" + mib(r.readPagesRestored() * 4096) + ")");
        both("snapshots (compression)", a, b, r -> r.snapshotBytes() == 0 ? "-"
                : String.format("%.1f MiB (%.0fx)", r.snapshotBytes() / (double) MIB, r.compressionRatio()));
        System.out.println("* VmHWM counts the JDK's shared files (libjvm.so, the CDS archive) that other cgroups were"
                + " charged for, so it can exceed the limit; the cgroup peak cannot.");
    }

    private static void both(String label, RunOutcome a, RunOutcome b, Function<WorkingSetReport, String> f) {
        row(label, a.report().map(f).orElse(noReport(a)), b.report().map(f).orElse(noReport(b)));
    }

    private static String noReport(RunOutcome o) {
        return o.oomKilled() ? "- (killed before reporting)" : "-";
    }

    private static void row(String label, String a, String b) {
        System.out.printf("%-34s %-36s %s%n", label, a, b);
    }

    private static String seconds(long millis) {
        return String.format("%.1f s", millis / 1000.0);
    }

    private static String mib(long bytes) {
        return bytes < 0 ? "?" : (bytes / MIB) + " MiB";
    }
}
