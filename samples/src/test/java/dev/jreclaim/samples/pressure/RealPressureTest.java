package dev.jreclaim.samples.pressure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Acceptance test of the pressure demo under real kernel memory pressure: a child JVM in a memory cgroup
 * limited to 256 MiB holds a 1 GiB working set. Marked SNAPSHOT ranges must read back correct, three
 * times, with no OOM kill; the same ranges never marked must be OOM-killed.
 *
 * <p>The contrast is {@link WorkingSetMode#UNMARKED}: the same mmap'd, userfaultfd-registered ranges,
 * the same content and the same reads, with only {@code mark()} left out, so the difference in outcome
 * is mark()'s alone (plain allocateDirect differs in allocator and zeroing as well). Plain allocateDirect,
 * what the demo shows beside it, is checked too: it costs a second.
 */
class RealPressureTest {
    /** Each child is killed after this; a verified run takes about 15 s here, a killed one about 1 s. */
    private static final ConfinedRun.Settings SETTINGS = ConfinedRun.Settings.standard(Duration.ofSeconds(60));

    @BeforeAll
    static void needsAWritableMemoryCgroup() {
        Optional<String> why = ConfinedRun.unavailableReason(SETTINGS.limitBytes());
        assumeTrue(why.isEmpty(), () -> "skipped: needs a writable memory cgroup (root, or a delegated cgroup v2 subtree"
                + " with the memory controller): " + why.orElse(""));
    }

    private static RunOutcome run(WorkingSetMode mode) throws Exception {
        RunOutcome o = ConfinedRun.run(mode, SETTINGS, line -> System.out.println("[" + mode.cliName() + "] " + line));
        System.out.printf("[%s] %s; wall %d ms; cgroup peak %d MiB, limit hits %d, oom kills %d%n", mode.cliName(),
                o.describe(), o.wallMillis(), o.cgroupPeakBytes() >> 20, o.limitHits(), o.oomKills());
        return o;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void markedWorkingSetFourTimesTheLimitReadsBackIntactThreeTimes() throws Exception {
        RunOutcome o = run(WorkingSetMode.RECLAIMABLE);
        String output = String.join("\n", o.output());
        assertFalse(o.timedOut(), "timed out after " + SETTINGS.timeout() + ":\n" + output);
        assertEquals(0, o.oomKills(), "OOM-killed:\n" + output);
        assertEquals(0, o.exitCode(), "exit status:\n" + output);
        WorkingSetReport r = o.report().orElseThrow(() -> new AssertionError("no RESULT line:\n" + output));
        assertTrue(r.bytes() >= 4 * SETTINGS.limitBytes(), "working set " + r.bytes() + " bytes");
        assertEquals(3, r.passes());
        assertEquals(3, r.passMillis().length);
        assertEquals(0, r.wrongBytes(), "wrong bytes read back");
        // The run proves something only if the kernel really took pages and the service rebuilt them:
        // with a working set four times the limit, at least one working set's worth over three passes.
        assertTrue(r.readPagesRestored() * 4096 >= r.bytes(), "pages restored in read-backs: " + r.readPagesRestored());
        assertTrue(o.limitHits() > 0, "the cgroup never reached its limit");
        assertTrue(o.cgroupPeakBytes() <= SETTINGS.limitBytes(), "cgroup peak " + o.cgroupPeakBytes());
        // Snapshots are charged to the same cgroup: they must stay small beside it.
        assertTrue(r.compressionRatio() >= 20, "snapshot compression " + r.compressionRatio() + "x");
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void sameRangesNeverMarkedAreOomKilled() throws Exception {
        RunOutcome o = run(WorkingSetMode.UNMARKED);
        assertTrue(o.oomKilled(), "expected an OOM kill, got " + o.describe() + ":\n" + String.join("\n", o.output()));
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void plainDirectBuffersAreOomKilled() throws Exception {
        RunOutcome o = run(WorkingSetMode.PLAIN);
        assertTrue(o.oomKilled(), "expected an OOM kill, got " + o.describe() + ":\n" + String.join("\n", o.output()));
    }
}
