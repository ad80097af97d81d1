package dev.jreclaim.agent.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.jreclaim.agent.config.ConfigLoader;
import dev.jreclaim.agent.config.LoadedConfig;
import dev.jreclaim.instrumentation.api.AllocationKind;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which rule an allocation belongs to, driven through the site events the advice would report. */
class RulePolicyTest {
    @TempDir
    Path dir;

    RulePolicy policy(String properties) throws IOException {
        Path f = Files.writeString(dir.resolve("rules.properties"), properties);
        LoadedConfig c = ConfigLoader.load("config=" + f, Map.of(), Map.of());
        assertEquals(List.of(), c.lines());
        RuleSet rules = RuleSet.of(c.config().rules(), true);
        return new RulePolicy(rules.rules(), new SiteTracker(rules.rules()));
    }

    static String id(ActiveRule r) {
        return r == null ? null : r.rule().id();
    }

    static final String TWO_SITES = """
            jreclaim.rule.big.kind=direct
            jreclaim.rule.big.site=com.acme.Cache#load*
            jreclaim.rule.big.min-size=1MiB
            jreclaim.rule.small.kind=any
            jreclaim.rule.small.site=com.acme.*#*
            jreclaim.rule.small.min-size=4KiB
            """;

    @Test
    void firstMatchInRuleOrderByKindAndMinSize() throws IOException {
        RulePolicy p = policy(TWO_SITES);
        SiteTracker s = p.sites();
        int load = s.siteOf("com.acme.Cache", "loadAll");
        assertEquals(List.of(0, 1), java.util.Arrays.stream(s.rulesOf(load)).boxed().toList());
        s.enter(load);
        assertEquals("big", id(p.ruleFor(AllocationKind.DIRECT, 2 << 20)));
        assertEquals("small", id(p.ruleFor(AllocationKind.DIRECT, (1 << 20) - 1)), "below big's min-size");
        assertEquals("small", id(p.ruleFor(AllocationKind.ARENA, 2 << 20)), "a kind big does not cover");
        assertNull(p.ruleFor(AllocationKind.DIRECT, 4095), "below every min-size");
        s.exit(load, true);
        assertNull(p.ruleFor(AllocationKind.DIRECT, 2 << 20), "outside every site");
    }

    @Test
    void firstMatchInFileOrderWithClassGlobsAndTheMinSizeBoundary() throws IOException {
        RulePolicy p = policy("""
                jreclaim.rule.big.kind=direct
                jreclaim.rule.big.site=com.acme.*#load*
                jreclaim.rule.big.min-size=1MiB
                jreclaim.rule.small.kind=any
                jreclaim.rule.small.site=com.acme.Cache#load
                jreclaim.rule.small.min-size=4KiB
                """);
        SiteTracker s = p.sites();
        int load = s.siteOf("com.acme.Cache", "load"); // both rules' sites match it
        s.enter(load);
        assertEquals("big", id(p.ruleFor(AllocationKind.DIRECT, 2 << 20)));
        assertEquals("small", id(p.ruleFor(AllocationKind.DIRECT, 8192)));
        assertEquals("small", id(p.ruleFor(AllocationKind.ARENA, 2 << 20)));
        assertNull(p.ruleFor(AllocationKind.DIRECT, 100));
        s.exit(load, true);
        assertEquals(-1, s.siteOf("com.other.X", "load"), "a class no site names");
        int nested = s.siteOf("com.acme.Cache$Loader", "loadAll"); // only big's: com.acme.* crosses '$'
        s.enter(nested);
        assertEquals("big", id(p.ruleFor(AllocationKind.DIRECT, 1 << 20)), "min-size is inclusive");
        assertNull(p.ruleFor(AllocationKind.DIRECT, (1 << 20) - 1));
        assertNull(p.ruleFor(AllocationKind.ARENA, 2 << 20), "big covers direct buffers only");
        s.exit(nested, true);
    }

    @Test
    void nestedExtentsOfTwoRules() throws IOException {
        RulePolicy p = policy(TWO_SITES);
        SiteTracker s = p.sites();
        int other = s.siteOf("com.acme.Index", "build");
        int load = s.siteOf("com.acme.Cache", "load");
        s.enter(other);
        assertEquals("small", id(p.ruleFor(AllocationKind.DIRECT, 2 << 20)));
        s.enter(load); // a callee: both rules' extents
        assertEquals("big", id(p.ruleFor(AllocationKind.DIRECT, 2 << 20)));
        s.enter(other); // recursion into small's site does not end big's extent
        assertEquals("big", id(p.ruleFor(AllocationKind.DIRECT, 2 << 20)));
        s.exit(other, true);
        s.exit(load, false);
        assertEquals("small", id(p.ruleFor(AllocationKind.DIRECT, 2 << 20)), "load left by an exception");
        s.exit(other, true);
        assertNull(p.ruleFor(AllocationKind.DIRECT, 2 << 20));
    }

    @Test
    void extentsArePerThread() throws Exception {
        RulePolicy p = policy(TWO_SITES);
        int load = p.sites().siteOf("com.acme.Cache", "load");
        p.sites().enter(load);
        ActiveRule[] seen = new ActiveRule[1];
        Thread t = new Thread(() -> seen[0] = p.ruleFor(AllocationKind.DIRECT, 2 << 20));
        t.start();
        t.join();
        assertNull(seen[0]);
        assertEquals("big", id(p.ruleFor(AllocationKind.DIRECT, 2 << 20)));
    }

    @Test
    void anExitWhoseEntryWasNotSeenIsIgnored() throws IOException {
        RulePolicy p = policy(TWO_SITES);
        int load = p.sites().siteOf("com.acme.Cache", "load");
        p.sites().exit(load, true); // entered before the agent started
        p.sites().enter(load);
        assertEquals("big", id(p.ruleFor(AllocationKind.DIRECT, 2 << 20)));
    }

    @Test
    void unmatchedFastPathTouchesNoThreadState() throws IOException {
        RulePolicy p = policy(TWO_SITES);
        assertNull(p.ruleFor(AllocationKind.DIRECT, 1L << 30));
        assertNull(p.sites().current(), "no site entered, no rule without a site: nothing per thread");
        assertEquals(-1, p.sites().siteOf("org.other.Cache", "load"));
        assertEquals(false, p.sites().mayHaveSites("org.other.Cache"));
    }

    @Test
    void aRuleWithoutSiteMatchesAnywhereInItsTurn() throws IOException {
        RulePolicy p = policy(TWO_SITES + """
                jreclaim.rule.scratch.kind=arena
                jreclaim.rule.scratch.mark=idle:5m
                jreclaim.rule.scratch.on-purge=zero
                """);
        assertEquals("scratch", id(p.ruleFor(AllocationKind.ARENA, 64 << 10)));
        assertNull(p.ruleFor(AllocationKind.DIRECT, 64 << 10));
        int load = p.sites().siteOf("com.acme.Cache", "load");
        p.sites().enter(load);
        assertEquals("small", id(p.ruleFor(AllocationKind.ARENA, 64 << 10)), "small comes first in rule order");
        p.sites().markAgentThread();
        assertNull(p.ruleFor(AllocationKind.ARENA, 64 << 10), "the agent's own threads are never taken");
    }

    @Test
    void constructorSitesAreLeftOutWithALine() throws IOException {
        Path f = Files.writeString(dir.resolve("ctor.properties"), """
                jreclaim.rule.tables.kind=arena
                jreclaim.rule.tables.site=com.acme.Tables#<init>
                """);
        RuleSet rules = RuleSet.of(ConfigLoader.load("config=" + f, Map.of(), Map.of()).config().rules(), true);
        assertEquals(List.of(), rules.rules());
        assertEquals(List.of("jreclaim: jreclaim.rule.tables.site=com.acme.Tables#<init>: constructors and static"
                + " initialisers cannot be sites yet; name a method; rule 'tables' disabled"), rules.problems());
    }
}
