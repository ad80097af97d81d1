package dev.jreclaim.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Valid rules that can never take (or never mark) a buffer: one WARN each, naming the rule and why. */
class UnreachableRulesTest {
    static final long LIMIT = 256L << 20;

    /** The rules of these {@code id.property=value} pairs, in this order (system properties sort by id). */
    static List<String> warnings(String... keys) {
        Map<String, String> sys = new HashMap<>();
        for (String k : keys) {
            int eq = k.indexOf('=');
            sys.put("jreclaim.rule." + k.substring(0, eq), k.substring(eq + 1));
        }
        LoadedConfig c = ConfigLoader.load(null, sys, Map.of());
        assertEquals(List.of(), c.lines(), "the rules themselves are valid");
        return UnreachableRules.warnings(c.config().rules(), LIMIT);
    }

    static void assertOneWarning(List<String> lines, String start, String contains) {
        assertEquals(1, lines.size(), lines.toString());
        assertTrue(lines.getFirst().startsWith(start), lines.getFirst());
        assertTrue(lines.getFirst().contains(contains), lines.getFirst());
    }

    @Test
    void aReachableRuleGetsNothing() {
        assertEquals(List.of(), warnings("a.kind=direct", "a.site=com.acme.Cache#load*", "a.min-size=1MiB"));
        assertEquals(List.of(), warnings("a.kind=any", "a.site=jav*#load")); // 'javafx.X', 'javax2.Y' may be sites
    }

    @Test
    void jdkAndAgentClassesAreNeverSites() {
        for (String prefix : List.of("java.nio.", "javax.crypto.", "jdk.internal.", "sun.nio.ch.", "com.sun.net.",
                "dev.jreclaim.agent.")) {
            assertOneWarning(warnings("x.kind=any", "x.site=" + prefix + "*#*"),
                    "jreclaim: WARN rule 'x' (site " + prefix + "*#*, kind any, min-size 65536) can never take a buffer:"
                            + " its class glob names only classes under ",
                    "which are never sites (the JDK's and the agent's own are not instrumented)");
        }
        assertOneWarning(warnings("x.kind=direct", "x.site=java.util.HashMap#put"), "jreclaim: WARN rule 'x'",
                "only classes under java., which are never sites");
    }

    @Test
    void everyMethodWithOnReturnNeverMarks() {
        assertOneWarning(warnings("all.kind=any", "all.site=*#*"),
                "jreclaim: WARN rule 'all' (site *#*, kind any, min-size 65536) never marks a buffer:",
                "the outermost site call on a thread is its first frame (run(), main), which returns only when the"
                        + " thread ends");
        assertEquals(List.of(), warnings("all.kind=any", "all.site=*#*", "all.mark=idle:5s"));
    }

    @Test
    void minSizeAboveTheDirectMemoryLimit() {
        assertOneWarning(warnings("big.kind=arena", "big.site=a.B#c", "big.min-size=512MiB"),
                "jreclaim: WARN rule 'big' (site a.B#c, kind arena, min-size 536870912) can never take a buffer:",
                "min-size is above the JVM's direct memory limit of 268435456 bytes (-XX:MaxDirectMemorySize, else -Xmx)");
        assertEquals(List.of(), warnings("big.kind=arena", "big.site=a.B#c", "big.min-size=256MiB"));
    }

    @Test
    void directMinSizeAboveWhatAllocateDirectCanMake() {
        Map<String, String> sys = Map.of("jreclaim.rule.huge.kind", "direct", "jreclaim.rule.huge.site", "a.B#c",
                "jreclaim.rule.huge.min-size", "3GiB");
        List<String> lines = UnreachableRules.warnings(ConfigLoader.load(null, sys, Map.of()).config().rules(), 0);
        assertOneWarning(lines, "jreclaim: WARN rule 'huge'",
                "min-size is above 2147483647 bytes, the largest ByteBuffer.allocateDirect can make");
    }

    @Test
    void aRuleShadowedByAnEarlierOne() {
        assertOneWarning(warnings("a.kind=any", "a.site=com.acme.C#load", "b.kind=direct", "b.site=com.acme.C#load",
                "b.min-size=1MiB"), "jreclaim: WARN rule 'b' (site com.acme.C#load, kind direct, min-size 1048576)"
                        + " can never take a buffer: rule 'a' comes first and takes every allocation it could",
                "first match wins");
        // A larger min-size, another kind or another site leaves the later rule something.
        assertEquals(List.of(), warnings("a.kind=any", "a.site=com.acme.C#load", "a.min-size=1MiB",
                "b.kind=direct", "b.site=com.acme.C#load"));
        assertEquals(List.of(), warnings("a.kind=arena", "a.site=com.acme.C#load", "b.kind=direct",
                "b.site=com.acme.C#load"));
        assertEquals(List.of(), warnings("a.kind=any", "a.site=com.acme.C#load", "b.kind=any", "b.site=com.acme.C#save"));
    }

    @Test
    void globLiteralPrefix() throws InvalidValueException {
        assertEquals("com.acme.", Glob.ofClass("com.acme.*").literalPrefix());
        assertEquals("com.ac", Glob.ofClass("com.ac?e.X").literalPrefix());
        assertEquals("a.B", Glob.ofClass("a.B").literalPrefix());
        assertEquals("", Glob.ofClass("*").literalPrefix());
    }
}
