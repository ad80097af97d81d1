package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.testapp.PlainApp;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bad configuration at the agent level (representative keys; config/ tests every key): exactly the
 * problem's line (an agent-level problem) or the problem's line and the start-up line (a rule's problem),
 * and the application's output is what it is without the agent.
 */
class AgentConfigIT {
    static final String GOOD_RULE = """
            jreclaim.rule.cache.kind=direct
            jreclaim.rule.cache.site=dev.jreclaim.testapp.Sites#directSite
            """;
    static List<String> plainOutput;

    @BeforeAll
    static void runWithoutAgent() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(null, List.of(), PlainApp.class));
        assertEquals(0, r.exit(), r.toString());
        plainOutput = r.out();
        assertEquals(1, plainOutput.size(), r.toString());
    }

    static ChildJvm.Result runWith(String agentOptions) throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(agentOptions, List.of(), PlainApp.class));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(plainOutput, r.out(), r.toString());
        return r;
    }

    @Test
    void unknownKeyDisablesTheAgentWithItsLine() throws Exception {
        ChildJvm.Result r = runWith(ConfigFile.option(GOOD_RULE + "jreclaim.log.levl=INFO\n"));
        assertEquals(List.of("jreclaim: jreclaim.log.levl=INFO: unknown key (did you mean jreclaim.log.level?);"
                + " agent disabled"), r.agentLines(), r.toString());
    }

    @Test
    void missingFileDisablesTheAgentWithItsLine() throws Exception {
        ChildJvm.Result r = runWith("config=/nonexistent/jreclaim.properties");
        assertEquals(List.of("jreclaim: agent option config=/nonexistent/jreclaim.properties: no such file;"
                + " agent disabled"), r.agentLines(), r.toString());
    }

    @Test
    void badSizeDisablesOnlyItsRule() throws Exception {
        ChildJvm.Result r = runWith(ConfigFile.option(GOOD_RULE
                + "jreclaim.rule.big.kind=any\njreclaim.rule.big.site=a.B#c\njreclaim.rule.big.min-size=64 KB\n"));
        List<String> lines = r.agentLines();
        assertEquals(2, lines.size(), r.toString());
        assertEquals("jreclaim: jreclaim.rule.big.min-size=64 KB: not a size; use bytes or a number with KiB, MiB or"
                + " GiB (e.g. 64KiB); rule 'big' disabled", lines.get(0));
        assertTrue(lines.get(1).startsWith("jreclaim: agent started: ") && lines.get(1).contains("rule 'cache' (")
                && !lines.get(1).contains("rule 'big'"), lines.get(1));
    }

    @Test
    void badGlobDisablesOnlyItsRule() throws Exception {
        ChildJvm.Result r = runWith(ConfigFile.option(GOOD_RULE
                + "jreclaim.rule.odd.kind=any\njreclaim.rule.odd.site=com.acme cache.*#load\n"));
        List<String> lines = r.agentLines();
        assertEquals(2, lines.size(), r.toString());
        assertEquals("jreclaim: jreclaim.rule.odd.site=com.acme cache.*#load: illegal character ' ' at position 9 of"
                + " the class glob; use Java name characters, '.', '*' and '?'; rule 'odd' disabled", lines.get(0));
        assertTrue(lines.get(1).startsWith("jreclaim: agent started: ") && lines.get(1).contains("rule 'cache' ("),
                lines.get(1));
    }

    @Test
    void disabledByConfigurationSaysNothing() throws Exception {
        ChildJvm.Result r = runWith(ConfigFile.option(GOOD_RULE + "jreclaim.enabled=false\n"));
        assertEquals(List.of(), r.agentLines(), r.toString());
        assertEquals(List.of(), r.err(), "not even the JDK's native access warning: " + r);
    }

    /** A rule problem: its line names key and value and disables the rule; the good rule still starts. */
    static void assertRuleProblem(String rule, String key, String value) throws Exception {
        ChildJvm.Result r = runWith(ConfigFile.option(GOOD_RULE + rule));
        List<String> lines = r.agentLines();
        assertEquals(2, lines.size(), r.toString());
        assertTrue(lines.get(0).startsWith("jreclaim: " + key + "=" + value + ": ")
                && lines.get(0).endsWith("; rule 'x' disabled"), lines.get(0));
        assertTrue(lines.get(1).startsWith("jreclaim: agent started: ") && lines.get(1).contains("rule 'cache' (")
                && !lines.get(1).contains("rule 'x'"), lines.get(1));
    }

    @Test
    void badDurationDisablesOnlyItsRule() throws Exception {
        assertRuleProblem("jreclaim.rule.x.kind=any\njreclaim.rule.x.mark=idle:0s\n", "jreclaim.rule.x.mark", "idle:0s");
    }

    @Test
    void unknownPolicyDisablesOnlyItsRule() throws Exception {
        assertRuleProblem("jreclaim.rule.x.kind=any\njreclaim.rule.x.site=a.B#c\njreclaim.rule.x.on-purge=rebuild:magic\n",
                "jreclaim.rule.x.on-purge", "rebuild:magic");
    }

    /** /proc/self/mem is a regular file that cannot be read, even by root (EIO). */
    @Test
    void unreadableFileDisablesTheAgentWithItsLine() throws Exception {
        ChildJvm.Result r = runWith("config=/proc/self/mem");
        assertEquals(1, r.agentLines().size(), r.toString());
        assertTrue(r.agentLines().getFirst().startsWith("jreclaim: agent option config=/proc/self/mem: ")
                && r.agentLines().getFirst().endsWith("; agent disabled"), r.toString());
    }

    @Test
    void directoryInsteadOfAFileDisablesTheAgentWithItsLine() throws Exception {
        ChildJvm.Result r = runWith("config=/tmp");
        assertEquals(1, r.agentLines().size(), r.toString());
        assertTrue(r.agentLines().getFirst().startsWith("jreclaim: agent option config=/tmp: ")
                && r.agentLines().getFirst().endsWith("; agent disabled"), r.toString());
    }

    /** Valid rules that can never take a buffer: a WARN each before the start-up line; the rules stay. */
    @Test
    void rulesThatCanNeverTakeABufferAreWarnedOf() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(GOOD_RULE + """
                jreclaim.rule.jdk.kind=any
                jreclaim.rule.jdk.site=java.nio.*#*
                jreclaim.rule.big.kind=any
                jreclaim.rule.big.site=a.B#c
                jreclaim.rule.big.min-size=64MiB
                """), List.of("-XX:MaxDirectMemorySize=32m"), PlainApp.class));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(plainOutput, r.out(), r.toString());
        List<String> lines = r.agentLines();
        assertEquals(3, lines.size(), r.toString());
        assertTrue(lines.get(0).startsWith("jreclaim: WARN rule 'jdk' (site java.nio.*#*, kind any, min-size 65536)"
                + " can never take a buffer: its class glob names only classes under java., which are never sites"),
                lines.get(0));
        assertTrue(lines.get(1).startsWith("jreclaim: WARN rule 'big' (site a.B#c, kind any, min-size 67108864) can"
                + " never take a buffer: min-size is above the JVM's direct memory limit of 33554432 bytes"), lines.get(1));
        assertTrue(lines.get(2).startsWith("jreclaim: agent started: ") && lines.get(2).contains("rule 'jdk' ("),
                lines.get(2));
    }
}
