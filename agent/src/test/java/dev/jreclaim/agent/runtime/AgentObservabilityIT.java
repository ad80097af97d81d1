package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The agent's JMX figures, from inside the JVM and through {@code stat}/{@code purge}: a child marks 4
 * buffers of 64 pages (ZERO source), this test purges them with the CLI and has the child touch one
 * buffer; the figures must show exactly 256 pages purged, then 64 rebuilt and 192 still purged.
 */
class AgentObservabilityIT {
    static final int PAGES = ObservedBuffers.BUFFERS * ObservedBuffers.PAGES;

    static List<String> cli(String... args) {
        List<String> c = new ArrayList<>(List.of(ChildJvm.JAVA.toString(), "-jar", ChildJvm.agentJar().toString()));
        c.addAll(List.of(args));
        return c;
    }

    @Test
    void figuresFollowWhatTheTestDid() throws Exception {
        Process child = new ProcessBuilder(ChildJvm.java(ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("zero")),
                List.of(), ObservedBuffers.class)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
            PrintWriter in = new PrintWriter(child.getOutputStream(), true);
            String pools = out.readLine();
            assertTrue(pools != null && pools.startsWith("pools: "), "child said: " + pools);
            List<String> names = List.of(pools.substring(7).split(", "));
            assertTrue(names.containsAll(List.of("direct", "mapped", "jreclaim")), pools);
            assertEquals("figures: purged pages 0, rebuilt pages 0, rebuilt ZERO pages 0, volatile pages " + PAGES
                    + ", written pages 0, ranges 4", out.readLine());
            assertEquals("ready", out.readLine());
            String pid = Long.toString(child.pid());

            Process stat = new ProcessBuilder(cli("stat", pid, "300", "20")).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            BufferedReader statOut = new BufferedReader(new InputStreamReader(stat.getInputStream()));
            List<String> statLines = new ArrayList<>();
            statLines.add(statOut.readLine());
            statLines.add(statOut.readLine()); // a first sample before the purge
            ChildJvm.Result unknown = ChildJvm.run(cli("purge", pid, "nosuchrule"));
            assertEquals(1, unknown.exit(), unknown.toString());
            assertEquals(List.of("jreclaim: no rule 'nosuchrule'; the running rules are 'all' in pid " + pid),
                    unknown.err(), unknown.toString());
            ChildJvm.Result purge = ChildJvm.run(cli("purge", pid, "all"));
            assertEquals(0, purge.exit(), purge.toString());
            assertEquals(List.of("jreclaim: purged 4 volatile ranges of rule 'all' in pid " + pid), purge.out());
            for (String l; (l = statOut.readLine()) != null; ) {
                statLines.add(l);
            }
            assertTrue(stat.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, stat.exitValue(), String.join("\n", statLines));
            System.out.println(String.join("\n", statLines));
            assertTrue(statLines.getFirst().trim().startsWith("ranges"), statLines.getFirst());
            assertEquals(21, statLines.size(), String.join("\n", statLines));
            assertEquals("0.00", column(statLines.get(1), 4), "nothing purged before: " + statLines.get(1));
            assertEquals("1.00", column(statLines.getLast(), 4), "256 pages purged after: " + statLines.getLast());
            assertNotEquals(column(statLines.get(1), 3), column(statLines.getLast(), 3), "resident fell");

            // The first buffer written whole after its mark: its pages are dirty, no longer volatile, written instead.
            in.println("touch 1");
            assertEquals("figures: purged pages " + (PAGES - ObservedBuffers.PAGES) + ", rebuilt pages "
                    + ObservedBuffers.PAGES + ", rebuilt ZERO pages " + ObservedBuffers.PAGES + ", volatile pages "
                    + (PAGES - ObservedBuffers.PAGES) + ", written pages " + ObservedBuffers.PAGES + ", ranges 4",
                    out.readLine());
            in.println("exit");
            assertTrue(child.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, child.exitValue());
        } finally {
            child.destroyForcibly();
        }
    }

    @Test
    void attachedLateThePoolAndMBeanJoinTheExistingServer() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(null,
                List.of("-Djdk.attach.allowAttachSelf=true", "-XX:+EnableDynamicAgentLoading"), LateAttachObserved.class,
                ChildJvm.agentJar().toString(), ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("zero"))));
        assertEquals(0, r.exit(), r.toString());
        List<String> before = List.of(r.out().getFirst().substring("before: ".length()).split(", "));
        List<String> after = List.of(r.out().get(1).substring("after: ".length()).split(", "));
        assertTrue(before.containsAll(List.of("direct", "mapped")) && !before.contains("jreclaim"), r.toString());
        assertTrue(after.containsAll(List.of("direct", "mapped", "jreclaim")), r.toString()); // order: the JDK's map
        assertEquals(List.of("pool registered: true", "agent registered: true"), r.out().subList(2, 4), r.toString());
    }

    @Test
    void badPidIsOneLine() throws Exception {
        ChildJvm.Result r = ChildJvm.run(cli("stat", "999999999"));
        assertEquals(1, r.exit(), r.toString());
        assertEquals(List.of("jreclaim: no process with pid 999999999"), r.err());
        r = ChildJvm.run(cli("purge", "x"));
        assertEquals(List.of("jreclaim: not a process id: x"), r.err());
    }

    /** After a fault storm, some of whose ranges are freed, the MBean's totals and the exit summary count the same faults. */
    @Test
    void mbeanTotalsAndExitSummaryAgreeAfterAFaultStorm() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("zero")
                + "jreclaim.exit-summary=true\n"), List.of(), FaultStormFigures.class));
        assertEquals(0, r.exit(), r.toString());
        assertEquals("non-zero reads 0", r.out().getFirst(), r.toString());
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(
                "mbean totals faults (\\d+), by source (\\d+), rule 'all' faults (\\d+), pages rebuilt (\\d+)")
                .matcher(r.out().get(1));
        assertTrue(m.matches(), r.toString());
        long faults = Long.parseLong(m.group(1));
        int pages = FaultStormFigures.BUFFERS * FaultStormFigures.PAGES * FaultStormFigures.ROUNDS;
        assertTrue(faults > 0 && faults <= pages, r.toString());
        assertEquals(faults, Long.parseLong(m.group(2)), "faults by source: " + r);
        String exit = r.agentLines().getLast();
        assertTrue(exit.startsWith("jreclaim: at exit: "), r.toString());
        assertTrue(exit.contains("; " + faults + " faults served, "), "the MBean said " + faults + ": " + exit);
    }

    private static String column(String line, int i) {
        return line.trim().split("\\s+")[i];
    }
}
