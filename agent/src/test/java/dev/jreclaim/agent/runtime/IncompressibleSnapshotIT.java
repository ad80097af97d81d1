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
 * Snapshots only where they pay (docs/fault-path.md): 64 direct buffers of 4 MiB random bytes, marked with
 * on-purge=rebuild:snapshot, in a memory cgroup of 360 MiB where the plain JDK runs them fine. Before, every
 * chunk kept a raw copy as large as itself (256 MiB the kernel cannot drop) and the child was OOM-killed; now
 * no chunk keeps one, the buffers stay ordinary memory, and the child survives like the plain JDK.
 */
class IncompressibleSnapshotIT {
    static final long LIMIT = 360L << 20;
    static final int COUNT = 64, MIB = 4;
    static final Pattern RESULT = Pattern.compile(
            "RESULT wrong=(\\d+) snapshot-bytes=(\\d+) kept-bytes=(\\d+) volatile-bytes=(\\d+) incompressible=(\\d+)");

    static final String CONFIG = """
            jreclaim.rule.all.kind=direct
            jreclaim.rule.all.min-size=1MiB
            jreclaim.rule.all.mark=explicit
            jreclaim.rule.all.on-purge=rebuild:snapshot
            jreclaim.service.capacity=4096
            """;

    private static ChildJvm.Result runIn(String name, String agentArgs) throws Exception {
        String mode = agentArgs == null ? "plain" : "agent";
        MemoryCgroup cg = TestCgroups.childOrSkip(name, LIMIT);
        try (cg) {
            ChildJvm.Result r = ChildJvm.run(cg.wrap(ChildJvm.java(agentArgs, List.of("-Xmx32m",
                    "-XX:MaxDirectMemorySize=512m"), IncompressibleBuffers.class, "" + COUNT, "" + MIB, mode)));
            System.out.println(name + ": " + cg.describe() + ", oom kills " + cg.oomKills());
            assertEquals(0, cg.oomKills(), name + " was OOM-killed in " + (LIMIT >> 20) + " MiB:\n" + r);
            return r;
        }
    }

    @Test
    void incompressibleBuffersKeepNoSnapshotAndSurviveWhereThePlainJdkDoes() throws Exception {
        ChildJvm.Result plain = runIn("jreclaim-plain", null);
        assertEquals(0, plain.exit(), plain.toString());

        ChildJvm.Result agent = runIn("jreclaim-agent", ConfigFile.option(CONFIG));
        assertEquals(0, agent.exit(), agent.toString());
        Matcher m = agent.out().stream().map(RESULT::matcher).filter(Matcher::matches).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT line:\n" + agent));
        long total = (long) COUNT * MIB << 20;
        assertEquals(0, Long.parseLong(m.group(1)), "wrong buffers");
        assertTrue(Long.parseLong(m.group(2)) < 1 << 20, "snapshot bytes held: " + m.group(2));
        assertEquals(total, Long.parseLong(m.group(3)), "every byte stays ordinary memory");
        assertEquals(0, Long.parseLong(m.group(4)), "nothing counts as volatile");
        assertEquals(total / (64 << 10), Long.parseLong(m.group(5)), "every 64 KiB chunk found incompressible");
    }
}
