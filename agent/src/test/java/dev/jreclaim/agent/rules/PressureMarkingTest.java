package dev.jreclaim.agent.rules;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jreclaim.agent.config.ConfigLoader;
import dev.jreclaim.agent.config.Headroom;
import dev.jreclaim.agent.config.LoadedConfig;
import dev.jreclaim.agent.pressure.MemoryReading;
import dev.jreclaim.agent.pressure.MemorySignal;
import dev.jreclaim.agent.pressure.PressureGauge;
import dev.jreclaim.agent.pressure.PressureLevel;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RangeState;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The mark-when=pressure policy with a memory signal the test drives (real ranges, real marks; the reclaim itself is
 * PressureMarkingIT's, in a real memory cgroup): deferred while memory is plentiful, marked oldest first once it is
 * short and until the level clears, never un-marked when pressure goes away, and at critical the allocating thread
 * marks the oldest waiting ranges itself, before its fill and at its return. The pressure thread is not started: each pass is stepped here.
 */
class PressureMarkingTest {
    static final long GIB = 1L << 30, MIB = 1L << 20;

    @TempDir
    Path dir;

    /** Answers the readings queued, then the last one again. */
    static final class DrivenSignal implements MemorySignal {
        final ArrayDeque<Long> available = new ArrayDeque<>();
        long last = GIB;

        void then(long... bytes) {
            for (long b : bytes) {
                available.add(b);
            }
        }

        @Override
        public MemoryReading read(Headroom headroom) {
            if (!available.isEmpty()) {
                last = available.poll();
            }
            return new MemoryReading(GIB, last);
        }

        @Override
        public String describe() {
            return "driven";
        }
    }

    /** One on-return rule with mark-when=pressure at Cache#load*, its policy on a gauge of a {@link DrivenSignal}. */
    private record Cache(DrivenSignal signal, PressureGauge gauge, SiteTracker sites, RulePolicy p, int load,
            ActiveRule rule) {
        static Cache of(Path dir) throws IOException {
            Path f = Files.writeString(dir.resolve("rules.properties"), """
                    jreclaim.rule.cache.kind=direct
                    jreclaim.rule.cache.site=com.acme.Cache#load*
                    jreclaim.rule.cache.mark=on-return
                    jreclaim.rule.cache.mark-when=pressure
                    """);
            LoadedConfig c = ConfigLoader.load("config=" + f, Map.of(), Map.of());
            assertEquals(List.of(), c.lines());
            RuleSet rules = RuleSet.of(c.config().rules(), true);
            DrivenSignal signal = new DrivenSignal(); // 1 GiB limit, headroom 20%: short below 204.8 MiB, critical below 51.2
            PressureGauge gauge = new PressureGauge(signal, Headroom.DEFAULT);
            SiteTracker sites = new SiteTracker(rules.rules());
            RulePolicy p = new RulePolicy(rules.rules(), sites, Duration.ofSeconds(1), gauge);
            return new Cache(signal, gauge, sites, p, sites.siteOf("com.acme.Cache", "load"), rules.rules().getFirst());
        }
    }

    @Test
    void deferredUntilShortThenOldestFirstNeverUnmarkedAndTheThreadPaysAtCritical() throws Exception {
        Cache cache = Cache.of(dir);
        DrivenSignal signal = cache.signal();
        PressureGauge gauge = cache.gauge();
        SiteTracker sites = cache.sites();
        RulePolicy p = cache.p();
        int load = cache.load();
        ActiveRule rule = cache.rule();
        try (RangeRegistry ranges = RangeRegistry.start()) {
            assumeTrue(ranges.writeProtect(), "skipped: the userfaultfd lacks UFFD_FEATURE_PAGEFAULT_FLAG_WP (rebuild:snapshot)");
            List<VolatileRange> all = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                all.add(loadOne(p, sites, load, rule, ranges, i));
            }
            // Memory plentiful: every range waits, ordinary memory, and a pass marks none.
            p.pressurePass();
            assertEquals(PressureLevel.NONE, gauge.level());
            assertTrue(all.stream().allMatch(r -> r.state() == RangeState.LOCKED), "marked before pressure");
            PressureFigures before = p.pressureFigures();
            assertEquals(20, before.deferredRanges());
            assertEquals(20 * MIB, before.deferredBytes());
            assertEquals(0, before.markedRanges());

            // Short for one poll, clear at the next: one batch (16 ranges), the oldest, then it stops.
            signal.then(100 * MIB, 900 * MIB);
            p.pressurePass();
            assertEquals(PressureLevel.NONE, gauge.level());
            for (int i = 0; i < 20; i++) {
                assertEquals(i < PressureMarker.BATCH ? RangeState.VOLATILE : RangeState.LOCKED, all.get(i).state(), "range " + i);
            }
            PressureFigures shortOnce = p.pressureFigures();
            assertEquals(16, shortOnce.markedRanges());
            assertEquals(4 * MIB, shortOnce.deferredBytes());
            assertEquals(1, shortOnce.rises());

            // Pressure gone: nothing is un-marked, a new range waits again.
            all.add(loadOne(p, sites, load, rule, ranges, 20));
            p.pressurePass();
            assertEquals(RangeState.VOLATILE, all.get(0).state());
            assertEquals(RangeState.LOCKED, all.get(20).state());
            assertEquals(5, p.pressureFigures().deferredRanges());

            // Critical: the allocating thread marks the oldest waiting range (16) before it fills its own, and again
            // (17) at the return, as many bytes as each adds; its own range waits.
            signal.then(10 * MIB);
            assertEquals(PressureLevel.CRITICAL, gauge.poll());
            all.add(loadOne(p, sites, load, rule, ranges, 21));
            assertEquals(RangeState.VOLATILE, all.get(16).state(), "the oldest waiting range, marked at the allocation");
            assertEquals(RangeState.VOLATILE, all.get(17).state(), "the next, marked at the return");
            assertEquals(RangeState.LOCKED, all.get(18).state());
            assertEquals(RangeState.LOCKED, all.get(21).state());
            PressureFigures critical = p.pressureFigures();
            assertEquals(2, critical.backPressureRanges());
            assertEquals(2 * MIB, critical.backPressureBytes());
            assertEquals(16, critical.markedRanges(), "the pressure thread marked nothing more");
            assertEquals(4, critical.deferredRanges());

            // Still short: a pass marks every waiting range; a freed waiting range leaves the list.
            all.get(21).free();
            p.freeing(all.get(21)); // (the runtime calls it before the unmap; the order does not matter to the list)
            assertEquals(3, p.pressureFigures().deferredRanges());
            p.pressurePass();
            for (int i = 0; i < 21; i++) {
                assertEquals(RangeState.VOLATILE, all.get(i).state(), "range " + i);
            }
            PressureFigures end = p.pressureFigures();
            assertEquals(0, end.deferredBytes());
            assertEquals(19, end.markedRanges());
            assertEquals(22, end.everDeferred());
            assertTrue(end.polls() >= 5 && end.pollNanos() > 0, "polls counted: " + end);
            // Every byte is still what was written.
            for (int i = 0; i < 21; i++) {
                MemorySegment s = MemorySegment.ofAddress(all.get(i).address()).reinterpret(MIB);
                for (long o = 0; o < MIB; o += 4096) {
                    assertEquals(i * MIB + o, s.get(JAVA_LONG, o), "range " + i + " at " + o);
                }
            }
        }
    }

    @Test
    void anAllocatingThreadPollsTheLevelItselfOnceAnEighthOfTheHeadroomWasAllocated() throws Exception {
        // 1 GiB limit, headroom 20% (204.8 MiB): an eighth of it is 25.6 MiB.
        Cache cache = Cache.of(dir);
        DrivenSignal signal = cache.signal();
        PressureGauge gauge = cache.gauge();
        SiteTracker sites = cache.sites();
        RulePolicy p = cache.p();
        int load = cache.load();
        ActiveRule rule = cache.rule();
        try (RangeRegistry ranges = RangeRegistry.start()) {
            assumeTrue(ranges.writeProtect(), "skipped: the userfaultfd lacks UFFD_FEATURE_PAGEFAULT_FLAG_WP (rebuild:snapshot)");
            long polls = gauge.polls();
            List<VolatileRange> all = new ArrayList<>();
            for (int i = 0; i < 25; i++) { // 25 MiB: under an eighth of the headroom, no poll
                all.add(loadOne(p, sites, load, rule, ranges, i));
            }
            assertEquals(polls, gauge.polls(), "polled before an eighth of the headroom was allocated");
            // Memory became critical meanwhile, and the marker's thread has not polled (it is not even started here):
            // the 26th allocation polls itself, sees CRITICAL and marks the oldest waiting range before its fill, and
            // the next at its return.
            signal.then(10 * MIB);
            all.add(loadOne(p, sites, load, rule, ranges, 25));
            assertEquals(polls + 1, gauge.polls(), "the allocating thread's own poll");
            assertEquals(PressureLevel.CRITICAL, gauge.level());
            assertEquals(RangeState.VOLATILE, all.get(0).state(), "the oldest, marked at the allocation");
            assertEquals(RangeState.VOLATILE, all.get(1).state(), "the next, marked at the return");
            assertEquals(RangeState.LOCKED, all.get(2).state());
            assertEquals(RangeState.LOCKED, all.get(25).state());
            PressureFigures figures = p.pressureFigures();
            assertEquals(2, figures.backPressureRanges());
            assertEquals(0, figures.markedRanges(), "no pass ran");
            // The count starts again: the next allocation does not poll.
            all.add(loadOne(p, sites, load, rule, ranges, 26));
            assertEquals(polls + 1, gauge.polls());
        }
    }

    /** What a call of Cache.load does: enter the site, allocate and fill a 1 MiB range of the rule, return. */
    private static VolatileRange loadOne(RulePolicy p, SiteTracker sites, int site, ActiveRule rule, RangeRegistry ranges,
            int i) {
        sites.enter(site);
        RangeUse use = p.use(rule);
        VolatileRange r = ranges.allocateUnscoped(MIB, RebuildSource.SNAPSHOT, use);
        p.taken(use, r);
        MemorySegment s = MemorySegment.ofAddress(r.address()).reinterpret(MIB);
        for (long o = 0; o < MIB; o += 4096) {
            s.set(JAVA_LONG, o, i * MIB + o);
        }
        sites.exit(site, true);
        return r;
    }
}
