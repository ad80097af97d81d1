package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.testapp.RuleScenarios;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Site rules in a child JVM, through the JDK's own buffer and segment API from application site methods
 * ({@code dev.jreclaim.testapp.Sites}): each kind, each mark mode, each on-purge policy, nested extents,
 * and deterministic purges read back.
 */
class AgentRulesIT {
    static final String SITES = "dev.jreclaim.testapp.Sites#";

    static String rule(String id, String kind, String site, String... more) {
        StringBuilder b = new StringBuilder("jreclaim.rule." + id + ".kind=" + kind + "\n");
        b.append("jreclaim.rule.").append(id).append(".site=").append(SITES).append(site).append('\n');
        for (String m : more) {
            b.append("jreclaim.rule.").append(id).append('.').append(m).append('\n');
        }
        return b.toString();
    }

    static final String RULES = rule("direct", "direct", "directSite*")
            + rule("arena", "arena", "arenaSite*")
            + rule("both", "any", "bothSite")
            + rule("throws", "any", "throwingSite")
            + rule("explicit", "any", "explicitSite", "mark=explicit")
            + rule("zero", "any", "zeroSite", "on-purge=zero")
            + rule("poison", "any", "poisonSite", "on-purge=throw")
            + rule("later", "any", "laterSite", "on-purge=rebuild:app,zero")
            + rule("plain", "any", "plainSite", "on-purge=rebuild:app")
            + rule("outer", "direct", "outerSite", "min-size=1MiB")
            + rule("inner", "direct", "inner*", "on-purge=zero");

    @Test
    void eachKindMarkModeAndPurgePolicy() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(RULES), List.of(), RuleScenarios.class, "rules"));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(
                "direct, after the inner call returned: SNAPSHOT LOCKED",
                "direct, after the outermost call returned: SNAPSHOT VOLATILE",
                "direct, snapshot purged and read back: wrong bytes 0, pages rebuilt true",
                "direct, allocated outside its site: plain",
                "direct, below min-size: plain",
                "direct, a segment in its site: plain",
                "arena, after return: SNAPSHOT VOLATILE",
                "arena, snapshot purged and read back: wrong bytes 0",
                "arena, a direct buffer in its site: plain",
                "any, direct buffer: SNAPSHOT VOLATILE",
                "any, segment: SNAPSHOT VOLATILE",
                "on-return, the site method threw: SNAPSHOT LOCKED",
                "explicit, after return: SNAPSHOT LOCKED",
                "zero, after return: ZERO VOLATILE",
                "zero, purged and read back: non-zero bytes 0",
                "throw, after return: POISON VOLATILE",
                "throw, purged and read back: InternalError",
                "throw, lock(): PURGED, then reads 0",
                "on-purge rebuild:app,zero: ZERO VOLATILE",
                "on-purge rebuild:app: plain",
                "nested, 2 MiB (rule outer) after the inner site returned: SNAPSHOT LOCKED",
                "nested, 128 KiB (rule inner) after the inner site returned: ZERO VOLATILE",
                "nested, 2 MiB (rule outer) after the outer site returned: SNAPSHOT VOLATILE"), r.out());
        assertEquals(1, r.agentLines().size(), r.toString());
        String line = r.agentLines().getFirst();
        assertTrue(line.startsWith("jreclaim: agent started: "), line);
        assertTrue(line.contains("reclaimable: rule 'direct' (direct in " + SITES + "directSite*, >= 65536 bytes,"
                + " on-return, SNAPSHOT), rule 'arena' ("), line);
        assertTrue(line.contains("rule 'explicit' (any in " + SITES + "explicitSite, >= 65536 bytes, explicit, SNAPSHOT)"), line);
        assertTrue(line.contains("rule 'poison' (any in " + SITES + "poisonSite, >= 65536 bytes, on-return, POISON)"), line);
        assertTrue(line.contains("on-return, ZERO (rebuild:app is not supported yet))"), line);
        assertTrue(line.contains("on-return, plain JDK memory (rebuild:app is not supported yet))"), line);
        assertTrue(line.contains("instrumented: DirectByteBuffer, FFM arenas, native I/O guards, application site methods"), line);
    }

    @Test
    void idleMarksOnceWritesStopAndKeepsEveryWrite() throws Exception {
        String rules = rule("idle", "direct", "idleSite", "mark=idle:1s");
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(rules), List.of(), RuleScenarios.class, "idle"));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of(
                "idle, marked once writes stopped: true",
                "idle, purged: the write made during the wait is kept: wrong bytes 0",
                "idle, marked again once writes to purged pages stopped: true",
                "idle, purged again: wrong bytes 0"), r.out());
        assertTrue(r.agentLines().getFirst().contains("rule 'idle' (direct in " + SITES + "idleSite, >= 65536 bytes,"
                + " idle:1s, SNAPSHOT)"), r.toString());
    }

    /** min-size is compared with the size the application asked for, not the JDK's padded malloc size. */
    @Test
    void arenaMinSizeComparesTheRequestedSize() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("zero")),
                List.of(), ArenaMinSize.class));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("65528: plain", "65529: plain", "65535: plain", "65536: taken", "65537: taken",
                "60000 aligned to 4096: plain", "allocateFrom 65530: plain"), r.out());
    }
}
