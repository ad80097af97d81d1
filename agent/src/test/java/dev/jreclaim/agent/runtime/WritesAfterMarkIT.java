package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import dev.jreclaim.agent.cgroup.TestCgroups;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 9's acceptance line for writes after the mark (docs/fault-path.md, "Writes after the mark"): 512 MiB of
 * on-return buffers in a 320 MiB memory cgroup, each written again after its mark, whole, three times. Such a
 * write makes the page dirty: the kernel keeps it (no write is lost) but cannot drop it until the next mark, and
 * on-return marks only once. Before write tracking nothing marked them again and the child was OOM-killed (the
 * issue measured it; the control below, re-marking put off for an hour, is that agent). Now the library sees the
 * first write to each chunk after its mark, the figures show the written bytes apart from {@code volatile}, and the
 * idle marker marks a written buffer again once {@code jreclaim.remark.idle} (default 1 s) passed without a new
 * write: the child is not killed, and every word written is read back right. The plain JDK in the same cgroup:
 * OOM-killed (the working set is above the limit).
 */
class WritesAfterMarkIT {
    static final long LIMIT = 320L << 20;
    static final int COUNT = 128, MIB = 4, ROUNDS = 3, PACE_MS = 40;
    static final Pattern RESULT = Pattern.compile("RESULT wrong=(\\d+) written-max=(\\d+) first-buffer-written=(-?\\d+)"
            + " remarks=(-?\\d+) first-writes=(\\d+) volatile=(\\d+) written=(\\d+)");

    static final String CONFIG = """
            jreclaim.rule.bufs.kind=direct
            jreclaim.rule.bufs.site=dev.jreclaim.testapp.WrittenSite#load
            jreclaim.rule.bufs.min-size=1MiB
            jreclaim.rule.bufs.mark=on-return
            jreclaim.rule.bufs.on-purge=rebuild:snapshot
            jreclaim.service.capacity=4096
            jreclaim.exit-summary=true
            """;

    record Run(ChildJvm.Result result, long oomKills) {}

    private static Run runIn(String name, String agentArgs) throws Exception {
        MemoryCgroup cg = TestCgroups.childOrSkip(name, LIMIT);
        try (cg) {
            ChildJvm.Result r = ChildJvm.run(cg.wrap(ChildJvm.java(agentArgs, List.of("-Xmx32m",
                    "-XX:MaxDirectMemorySize=1g"), WritesAfterMarkBuffers.class, "" + COUNT, "" + MIB, "" + ROUNDS,
                    "" + PACE_MS, agentArgs == null ? "plain" : "agent")));
            System.out.println(name + ": " + cg.describe() + ", oom kills " + cg.oomKills());
            return new Run(r, cg.oomKills());
        }
    }

    @Test
    void onReturnBuffersWrittenAfterTheirMarkAreMarkedAgainAndSurvive() throws Exception {
        Run plain = runIn("jreclaim-written-plain", null);
        assertTrue(plain.oomKills() > 0, "the plain JDK must not fit in " + (LIMIT >> 20) + " MiB:\n" + plain.result());

        Run never = runIn("jreclaim-written-no-remark", ConfigFile.option(CONFIG + "jreclaim.remark.idle=1h\n"));
        assertTrue(never.oomKills() > 0, "without re-marking, written pages stay dirty and the child must be killed:\n"
                + never.result());

        Run agent = runIn("jreclaim-written-agent", ConfigFile.option(CONFIG));
        assertEquals(0, agent.oomKills(), "OOM-killed in " + (LIMIT >> 20) + " MiB:\n" + agent.result());
        ChildJvm.Result r = agent.result();
        assertEquals(0, r.exit(), r.toString());
        Matcher m = r.out().stream().map(RESULT::matcher).filter(Matcher::matches).findFirst()
                .orElseThrow(() -> new AssertionError("no RESULT line:\n" + r));
        long size = (long) MIB << 20;
        assertEquals(0, Long.parseLong(m.group(1)), "wrong words");
        assertTrue(Long.parseLong(m.group(2)) >= size, "the figures showed written bytes: " + m.group(0));
        assertEquals(size, Long.parseLong(m.group(3)), "the first buffer, written whole after its mark: " + m.group(0));
        assertTrue(Long.parseLong(m.group(4)) >= COUNT, "every buffer marked again after its writes: " + m.group(0));
        assertTrue(Long.parseLong(m.group(5)) >= (long) ROUNDS * COUNT * (size / (64 << 10)),
                "every chunk's first write after each mark seen: " + m.group(0));
        String exit = r.err().stream().filter(l -> l.startsWith("jreclaim: at exit: ")).findFirst().orElse("");
        assertTrue(exit.contains("MiB written since their mark"), r.toString());
        assertNotEquals(0, r.out().stream().filter(l -> l.startsWith("ROUND ")).count(), r.toString());
    }
}
