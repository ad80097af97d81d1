package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import dev.jreclaim.agent.cgroup.TestCgroups;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * mark-when=pressure under real memory pressure: a child JVM in a 256 MiB memory cgroup loads 512 MiB of direct
 * buffers through an on-return site and keeps them all. Nothing is marked while the cgroup has room (the agent's
 * own counters, read after every load); once its headroom is gone the agent marks the deferred buffers, the kernel
 * drops their pages, and the child is not OOM-killed and reads every byte back right (pages rebuilt from their
 * snapshots). Without marking those buffers could not fit: 512 MiB of ordinary memory in 256 MiB.
 */
class PressureMarkingIT {
    static final long LIMIT = 256L << 20;
    static final int COUNT = 128, MIB = 4;
    static final Pattern RESULT = Pattern.compile("RESULT wrong=(\\d+) before-rise=(\\d+) marked-before-rise=(\\d+)"
            + " rises=(\\d+) marked=(\\d+) back-pressure=(\\d+) deferred-end=(\\d+) rebuilt=(\\d+) criticals=(\\d+)");

    static final String CONFIG = """
            jreclaim.rule.bufs.kind=direct
            jreclaim.rule.bufs.site=dev.jreclaim.testapp.PressureSite#load
            jreclaim.rule.bufs.min-size=1MiB
            jreclaim.rule.bufs.mark=on-return
            jreclaim.rule.bufs.mark-when=pressure
            jreclaim.rule.bufs.on-purge=rebuild:snapshot
            jreclaim.pressure.headroom=25%
            jreclaim.service.capacity=4096
            """;

    @Test
    void buffersStayPlainUntilTheCgroupIsShortThenAreMarkedAndTheChildSurvives() throws Exception {
        MemoryCgroup cg = TestCgroups.childOrSkip("jreclaim-pressure", LIMIT);
        try (cg) {
            ChildJvm.Result r = ChildJvm.run(cg.wrap(ChildJvm.java(ConfigFile.option(CONFIG), List.of("-Xmx32m",
                    "-XX:MaxDirectMemorySize=1g"), PressureBuffers.class, "" + COUNT, "" + MIB)));
            System.out.println(cg.describe() + ", oom kills " + cg.oomKills() + "\n" + r);
            assertEquals(0, cg.oomKills(), "OOM-killed in " + (LIMIT >> 20) + " MiB:\n" + r);
            assertEquals(0, r.exit(), r.toString());
            Matcher m = r.out().stream().map(RESULT::matcher).filter(Matcher::matches).findFirst()
                    .orElseThrow(() -> new AssertionError("no RESULT line:\n" + r));
            assertEquals(0, Long.parseLong(m.group(1)), "wrong buffers: " + m.group(0));
            assertTrue(Long.parseLong(m.group(2)) >= 4, "loads while the cgroup had room (before any rise): " + m.group(0));
            assertEquals(0, Long.parseLong(m.group(3)), "buffers marked, or not deferred, before memory was short: " + m.group(0));
            assertTrue(Long.parseLong(m.group(4)) >= 1, "the level never rose: " + m.group(0));
            assertTrue(Long.parseLong(m.group(5)) + Long.parseLong(m.group(6)) >= COUNT / 2,
                    "at least half the buffers (the most that fits plain) marked once short: " + m.group(0));
            assertTrue(Long.parseLong(m.group(8)) > 0, "no page was purged and rebuilt, so nothing proves reclaim: " + m.group(0));
        }
    }
}
