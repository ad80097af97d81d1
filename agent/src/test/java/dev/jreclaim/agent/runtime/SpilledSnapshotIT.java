package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import dev.jreclaim.agent.cgroup.TestCgroups;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Snapshots spilled to a file (docs/fault-path.md, "Spilling snapshots to a file"): 512 direct buffers of 1 MiB of
 * compressible bytes, 4x a 128 MiB memory cgroup without swap, marked with on-purge=rebuild:snapshot. Their snapshots
 * (about a fifth of them) are several times the default in-memory limit (10% of the cgroup); past it they go to the
 * spill file in java.io.tmpdir, whose page cache the kernel drops, so the cgroup's pressure purges the buffers and the
 * service rebuilds them from the file: not killed, every byte right. With the spill off the chunks past the limit stay
 * plain memory, 4x the cgroup: OOM-killed, which shows what the file is for.
 */
class SpilledSnapshotIT {
    static final long LIMIT = 128L << 20;
    static final int COUNT = 512, MIB = 1;
    static final Pattern RESULT = Pattern.compile("RESULT wrong=(\\d+) snapshot-bytes=(\\d+) spilled-bytes=(\\d+)"
            + " spilled-chunks=(\\d+) pages-rebuilt=(\\d+) over-limit=(\\d+)");

    static final String CONFIG = """
            jreclaim.rule.all.kind=direct
            jreclaim.rule.all.min-size=1MiB
            jreclaim.rule.all.mark=explicit
            jreclaim.rule.all.on-purge=rebuild:snapshot
            jreclaim.service.capacity=4096
            """;

    record Run(ChildJvm.Result result, long oomKills) {}

    private static Run runIn(String name, String config) throws Exception {
        MemoryCgroup cg = TestCgroups.childOrSkip(name, LIMIT);
        try (cg) {
            ChildJvm.Result r = ChildJvm.run(cg.wrap(ChildJvm.java(ConfigFile.option(config), List.of("-Xmx32m",
                    "-XX:MaxDirectMemorySize=1g"), SpilledBuffers.class, "" + COUNT, "" + MIB)));
            System.out.println(name + ": " + cg.describe() + ", peak " + (cg.peakBytes() >> 20) + " MiB, oom kills "
                    + cg.oomKills());
            return new Run(r, cg.oomKills());
        }
    }

    @Test
    void snapshotsPastTheMemoryLimitGoToTheFileAndFourTimesTheCgroupSurvives() throws Exception {
        Run run = runIn("jreclaim-spill", CONFIG);
        ChildJvm.Result spilled = run.result();
        String spill = spilled.out().stream().filter(l -> l.startsWith("SPILL ")).findFirst().orElse("SPILL ?");
        assumeTrue(spill.startsWith("SPILL a file in "), "skipped: java.io.tmpdir can hold no spill file here: " + spill);
        assertEquals(0, run.oomKills(), "OOM-killed with the spill file:\n" + spilled);
        assertEquals(0, spilled.exit(), spilled.toString());
        Matcher m = spilled.out().stream().map(RESULT::matcher).filter(Matcher::matches).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT line:\n" + spilled));
        assertEquals(0, Long.parseLong(m.group(1)), "wrong buffers");
        assertTrue(Long.parseLong(m.group(2)) <= LIMIT / 10 + (COUNT * 16L << 4), "snapshot bytes in memory: " + m.group(2));
        assertTrue(Long.parseLong(m.group(3)) > 4 * (LIMIT / 10), "bytes in the spill file: " + m.group(3));
        assertTrue(Long.parseLong(m.group(4)) > 0, "chunks spilled");
        assertTrue(Long.parseLong(m.group(5)) > (LIMIT >> 12), "pages rebuilt (the cgroup's pressure purged them): " + m.group(5));
        assertEquals(0, Long.parseLong(m.group(6)), "chunks over the limit without a spill");

        Run off = runIn("jreclaim-nospill", CONFIG + "jreclaim.snapshot.spill=off\n");
        assertTrue(off.oomKills() > 0, "without the spill file 4x the cgroup should not fit:\n" + off.result());
    }
}
