package dev.jreclaim.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.jreclaim.agent.config.ConfigProblem.Scope;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loader end to end: every bad value gets its exact line and scope, valid rules around a bad
 * one survive, nothing throws, precedence and rule order hold.
 */
class ConfigLoaderTest {
    @TempDir
    Path dir;

    static final String GOOD = """
            jreclaim.rule.before.kind=direct
            jreclaim.rule.before.site=com.acme.Before#load
            """;
    static final String GOOD_AFTER = """
            jreclaim.rule.after.kind=arena
            jreclaim.rule.after.site=com.acme.After#load
            """;

    Path file(String content) throws IOException {
        Path f = dir.resolve("jreclaim.properties");
        Files.writeString(f, content);
        return f;
    }

    LoadedConfig load(String content) throws IOException {
        return load(content, Map.of(), Map.of());
    }

    LoadedConfig load(String content, Map<String, String> sys, Map<String, String> env) throws IOException {
        return ConfigLoader.load("config=" + file(content), sys, env);
    }

    static List<String> ids(LoadedConfig c) {
        return c.config().rules().stream().map(SiteRule::id).toList();
    }

    /** One bad rule line between two good rules: exactly one problem, scope RULE, both neighbours kept, agent on. */
    void assertRuleProblem(String badLines, String expectedLine) throws IOException {
        LoadedConfig c = load(GOOD + badLines + GOOD_AFTER);
        assertEquals(List.of(expectedLine), c.lines());
        assertEquals(Scope.RULE, c.problems().getFirst().scope());
        assertEquals(List.of("before", "after"), ids(c));
        assertTrue(c.active(), "a bad rule must not disable the agent");
    }

    /** One bad global line: exactly one problem, scope AGENT, agent off, the valid rules still reported. */
    LoadedConfig assertAgentProblem(String badLines, String expectedLine) throws IOException {
        LoadedConfig c = load(GOOD + badLines + GOOD_AFTER);
        assertEquals(List.of(expectedLine), c.lines());
        assertEquals(Scope.AGENT, c.problems().getFirst().scope());
        assertFalse(c.active());
        assertEquals(List.of("before", "after"), ids(c));
        return c;
    }

    // ---- a complete, valid file ----

    @Test
    void completeFile() throws IOException {
        LoadedConfig c = load("""
                # a comment
                jreclaim.enabled=true
                jreclaim.log.level=debug
                jreclaim.uffd.mode=user-mode-only
                jreclaim.service.capacity=1024
                jreclaim.snapshot.chunk=128KiB
                jreclaim.rule.cache.kind=direct
                jreclaim.rule.cache.site=com.acme.cache.*#load*
                jreclaim.rule.cache.min-size=1MiB
                jreclaim.rule.cache.mark=on-return
                jreclaim.rule.cache.on-purge=rebuild:snapshot, zero
                jreclaim.rule.tables.kind=arena
                jreclaim.rule.tables.mark=idle:30s
                jreclaim.rule.tables.on-purge=rebuild:app,throw
                """);
        assertEquals(List.of(), c.lines());
        assertTrue(c.active());
        AgentConfig a = c.config();
        assertEquals(new AgentConfig(true, LogLevel.DEBUG, UffdMode.USER_MODE_ONLY, 1024, 128 * 1024, false, a.rules()), a);
        assertEquals(32, a.snapshotChunkPages(4096));
        assertEquals(2, a.snapshotChunkPages(64 << 10), "a kernel with 64 KiB pages");
        SiteRule cache = a.rules().get(0);
        assertEquals("cache", cache.id());
        assertEquals(RuleKind.DIRECT, cache.kind());
        assertEquals("com.acme.cache.*#load*", cache.site().toString());
        assertEquals(1L << 20, cache.minSize());
        assertEquals(new MarkMode.OnReturn(), cache.mark());
        assertEquals(List.of(PurgePolicy.REBUILD_SNAPSHOT, PurgePolicy.ZERO), cache.onPurge());
        SiteRule tables = a.rules().get(1);
        assertEquals(SiteMatcher.ANY, tables.site());
        assertEquals(new MarkMode.Idle(Duration.ofSeconds(30)), tables.mark());
        assertEquals(SiteRule.DEFAULT_MIN_SIZE, tables.minSize());
        assertEquals(List.of(PurgePolicy.REBUILD_APP, PurgePolicy.THROW), tables.onPurge());
    }

    @Test
    void defaults() throws IOException {
        LoadedConfig c = load("jreclaim.rule.r.kind=any\njreclaim.rule.r.site=*#*\n");
        assertEquals(List.of(), c.lines());
        AgentConfig a = c.config();
        assertEquals(AgentConfig.defaults().withRules(a.rules()), a);
        SiteRule r = a.rules().getFirst();
        assertEquals(65536, r.minSize());
        assertEquals(new MarkMode.OnReturn(), r.mark());
        assertEquals(List.of(PurgePolicy.REBUILD_SNAPSHOT), r.onPurge());
    }

    @Test
    void noFileAtAllIsValid() {
        LoadedConfig c = ConfigLoader.load(null, Map.of(), Map.of());
        assertEquals(List.of(), c.lines());
        assertTrue(c.active());
        assertEquals(AgentConfig.defaults(), c.config());
        assertEquals(AgentConfig.defaults(), ConfigLoader.load("  ", Map.of(), Map.of()).config());
    }

    @Test
    void disabledByKeyIsNotAProblem() throws IOException {
        LoadedConfig c = load("jreclaim.enabled=FALSE\n" + GOOD);
        assertEquals(List.of(), c.lines());
        assertFalse(c.active());
        assertEquals(Optional.of("jreclaim.enabled=false"), c.disabledReason());
    }

    // ---- rule order ----

    @Test
    void rulesKeepFileOrderOfFirstAppearance() throws IOException {
        LoadedConfig c = load("""
                jreclaim.rule.zeta.kind=direct
                jreclaim.rule.alpha.kind=direct
                jreclaim.rule.mid.kind=direct
                jreclaim.rule.alpha.site=a.B#c
                jreclaim.rule.zeta.site=a.B#c
                jreclaim.rule.mid.site=a.B#c
                """);
        assertEquals(List.of("zeta", "alpha", "mid"), ids(c));
    }

    @Test
    void rulesOnlyInSystemPropertiesOrEnvironmentComeAfterSortedById() throws IOException {
        LoadedConfig c = load("""
                jreclaim.rule.zeta.kind=direct
                jreclaim.rule.zeta.site=a.B#c
                """,
                Map.of("jreclaim.rule.b.kind", "direct", "jreclaim.rule.b.site", "a.B#c",
                        "jreclaim.rule.a-x.kind", "arena", "jreclaim.rule.a-x.site", "a.B#c"),
                Map.of("JRECLAIM_RULE_AA_KIND", "any", "JRECLAIM_RULE_AA_SITE", "a.B#c",
                        "JRECLAIM_RULE_ZETA_MIN_SIZE", "1"));
        assertEquals(List.of(), c.lines());
        assertEquals(List.of("zeta", "a-x", "aa", "b"), ids(c));
        assertEquals(1, c.config().rules().getFirst().minSize());
    }

    // ---- precedence ----

    @Test
    void systemPropertyBeatsEnvironmentBeatsFile() throws IOException {
        String f = "jreclaim.log.level=ERROR\njreclaim.uffd.mode=device\njreclaim.service.capacity=10\n" + GOOD;
        Map<String, String> env = Map.of("JRECLAIM_LOG_LEVEL", "WARN", "JRECLAIM_UFFD_MODE", "syscall");
        Map<String, String> sys = Map.of("jreclaim.log.level", "DEBUG");
        AgentConfig a = load(f, sys, env).config();
        assertEquals(LogLevel.DEBUG, a.logLevel());
        assertEquals(UffdMode.SYSCALL, a.uffdMode());
        assertEquals(10, a.serviceCapacity());
        assertEquals(LogLevel.WARN, load(f, Map.of(), env).config().logLevel());
        assertEquals(LogLevel.ERROR, load(f, Map.of(), Map.of()).config().logLevel());
    }

    @Test
    void ruleKeysFollowTheSamePrecedenceAndEnvNamesMapToIdsWithDashes() throws IOException {
        String f = "jreclaim.rule.my-cache.kind=direct\njreclaim.rule.my-cache.site=a.B#c\njreclaim.rule.my-cache.min-size=1\n";
        SiteRule r = load(f, Map.of("jreclaim.rule.my-cache.min-size", "3"),
                Map.of("JRECLAIM_RULE_MY_CACHE_MIN_SIZE", "2", "JRECLAIM_RULE_MY_CACHE_ON_PURGE", "zero"))
                .config().rules().getFirst();
        assertEquals("my-cache", r.id());
        assertEquals(3, r.minSize());
        assertEquals(List.of(PurgePolicy.ZERO), r.onPurge());
        assertEquals(2, load(f, Map.of(), Map.of("JRECLAIM_RULE_MY_CACHE_MIN_SIZE", "2")).config().rules().getFirst().minSize());
    }

    @Test
    void anOverriddenBadFileValueIsNotReported() throws IOException {
        LoadedConfig c = load("jreclaim.log.level=LOUD\n" + GOOD, Map.of(), Map.of("JRECLAIM_LOG_LEVEL", "warn"));
        assertEquals(List.of(), c.lines());
        assertEquals(LogLevel.WARN, c.config().logLevel());
    }

    @Test
    void emptyEnvironmentVariablesCountAsUnset() throws IOException {
        LoadedConfig c = load("jreclaim.log.level=ERROR\n" + GOOD, Map.of(), Map.of("JRECLAIM_LOG_LEVEL", ""));
        assertEquals(List.of(), c.lines());
        assertEquals(LogLevel.ERROR, c.config().logLevel());
    }

    @Test
    void otherJreclaimVariablesAreIgnored() throws IOException {
        LoadedConfig c = load(GOOD, Map.of(), Map.of("JRECLAIM_JAVA_HOME", "/opt/jdk", "PATH", "/bin"));
        assertEquals(List.of(), c.lines());
    }

    @Test
    void configLocationPrecedence() throws IOException {
        Path a = dir.resolve("a.properties");
        Path b = dir.resolve("b.properties");
        Path o = dir.resolve("o.properties");
        Files.writeString(a, "jreclaim.log.level=ERROR\n");
        Files.writeString(b, "jreclaim.log.level=WARN\n");
        Files.writeString(o, "jreclaim.log.level=DEBUG\n");
        String opts = "config=" + o;
        assertEquals(LogLevel.ERROR, ConfigLoader.load(opts, Map.of("jreclaim.config", a.toString()),
                Map.of("JRECLAIM_CONFIG", b.toString())).config().logLevel());
        assertEquals(LogLevel.WARN, ConfigLoader.load(opts, Map.of(), Map.of("JRECLAIM_CONFIG", b.toString())).config().logLevel());
        assertEquals(LogLevel.DEBUG, ConfigLoader.load(opts, Map.of(), Map.of()).config().logLevel());
        assertEquals(LogLevel.WARN, ConfigLoader.load(null, Map.of(), Map.of("JRECLAIM_CONFIG", b.toString())).config().logLevel());
    }

    @Test
    void everythingFromSystemPropertiesWithoutAFile() {
        Map<String, String> sys = new HashMap<>();
        sys.put("jreclaim.rule.c.kind", "direct");
        sys.put("jreclaim.rule.c.site", "com.acme.Cache#load");
        sys.put("jreclaim.snapshot.chunk", "1MiB");
        sys.put("java.version", "25");
        LoadedConfig c = ConfigLoader.load(null, sys, Map.of());
        assertEquals(List.of(), c.lines());
        assertEquals(List.of("c"), ids(c));
        assertEquals(1 << 20, c.config().snapshotChunk());
    }

    // ---- one test per bad global value: agent disabled ----

    @Test
    void badEnabled() throws IOException {
        assertAgentProblem("jreclaim.enabled=yes\n", "jreclaim: jreclaim.enabled=yes: not a boolean; use true or false; agent disabled");
    }

    @Test
    void badExitSummary() throws IOException {
        assertAgentProblem("jreclaim.exit-summary=on\n",
                "jreclaim: jreclaim.exit-summary=on: not a boolean; use true or false; agent disabled");
    }

    @Test
    void exitSummaryIsOffUnlessAsked() throws IOException {
        assertEquals(false, ConfigLoader.load("", java.util.Map.of(), java.util.Map.of()).config().exitSummary());
        assertEquals(true, ConfigLoader.load("", java.util.Map.of("jreclaim.exit-summary", "true"), java.util.Map.of())
                .config().exitSummary());
    }

    @Test
    void badLogLevel() throws IOException {
        LoadedConfig c = assertAgentProblem("jreclaim.log.level=LOUD\n",
                "jreclaim: jreclaim.log.level=LOUD: not a log level; use TRACE, DEBUG, INFO, WARN, ERROR or OFF; agent disabled");
        assertEquals(Optional.of("configuration problems: jreclaim.log.level"), c.disabledReason());
    }

    @Test
    void badUffdMode() throws IOException {
        assertAgentProblem("jreclaim.uffd.mode=full\n",
                "jreclaim: jreclaim.uffd.mode=full: not a userfaultfd mode; use auto, syscall, device or user-mode-only; agent disabled");
    }

    @Test
    void badCapacity() throws IOException {
        assertAgentProblem("jreclaim.service.capacity=0\n",
                "jreclaim: jreclaim.service.capacity=0: out of range; use a whole number from 1 to 16777216; agent disabled");
    }

    @Test
    void badChunk() throws IOException {
        assertAgentProblem("jreclaim.snapshot.chunk=6000\n",
                "jreclaim: jreclaim.snapshot.chunk=6000: not a multiple of the page size (4KiB); use e.g. 64KiB; agent disabled");
    }

    @Test
    void badSnapshotLimits() throws IOException {
        assertAgentProblem("jreclaim.snapshot.min-ratio=0.9\n",
                "jreclaim: jreclaim.snapshot.min-ratio=0.9: out of range; use a number from 1 to 100 with at most two decimals (e.g. 1.25); agent disabled");
        assertAgentProblem("jreclaim.snapshot.min-ratio=1.255\n",
                "jreclaim: jreclaim.snapshot.min-ratio=1.255: not a ratio; use a number from 1 to 100 with at most two decimals (e.g. 1.25); agent disabled");
        assertAgentProblem("jreclaim.snapshot.min-ratio=2x\n",
                "jreclaim: jreclaim.snapshot.min-ratio=2x: not a ratio; use a number from 1 to 100 with at most two decimals (e.g. 1.25); agent disabled");
        assertAgentProblem("jreclaim.snapshot.max-memory=1.5GiB\n",
                "jreclaim: jreclaim.snapshot.max-memory=1.5GiB: not a whole number; use a smaller unit (e.g. 1536MiB); agent disabled");
        assertAgentProblem("jreclaim.snapshot.max-memory=101%\n",
                "jreclaim: jreclaim.snapshot.max-memory=101%: not a percentage; use a whole number from 0 to 100 before % (e.g. 10%), or a size (e.g. 64MiB); agent disabled");
        assertAgentProblem("jreclaim.snapshot.max-memory=2.5%\n",
                "jreclaim: jreclaim.snapshot.max-memory=2.5%: not a percentage; use a whole number from 0 to 100 before % (e.g. 10%), or a size (e.g. 64MiB); agent disabled");
    }

    @Test
    void badSpill() throws IOException {
        assertAgentProblem("jreclaim.snapshot.spill=sometimes\n",
                "jreclaim: jreclaim.snapshot.spill=sometimes: not a spill mode; use over-limit, always or off; agent disabled");
        assertAgentProblem("jreclaim.snapshot.spill-dir=relative/dir\n",
                "jreclaim: jreclaim.snapshot.spill-dir=relative/dir: not an absolute path; use the absolute path of a directory on a disk (not tmpfs); agent disabled");
        assertAgentProblem("jreclaim.snapshot.spill-dir=/nonexistent/jreclaim-spill\n",
                "jreclaim: jreclaim.snapshot.spill-dir=/nonexistent/jreclaim-spill: no such directory; use the absolute path of a directory on a disk (not tmpfs); agent disabled");
    }

    @Test
    void spill() throws IOException {
        LoadedConfig d = load(GOOD, Map.of(), Map.of());
        assertEquals(SpillMode.OVER_LIMIT, d.config().snapshotSpill());
        assertEquals(null, d.config().snapshotSpillDir());
        String dir = System.getProperty("java.io.tmpdir");
        LoadedConfig c = load(GOOD + "jreclaim.snapshot.spill=Always\njreclaim.snapshot.spill-dir=" + dir + "\n", Map.of(), Map.of());
        assertEquals(SpillMode.ALWAYS, c.config().snapshotSpill());
        assertEquals(java.nio.file.Path.of(dir), c.config().snapshotSpillDir());
        assertEquals(SpillMode.OFF, load(GOOD, Map.of("jreclaim.snapshot.spill", "off"), Map.of()).config().snapshotSpill());
    }

    @Test
    void badRecycleMax() throws IOException {
        assertAgentProblem("jreclaim.memory.recycle-max=-1MiB\n",
                "jreclaim: jreclaim.memory.recycle-max=-1MiB: negative size; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB); agent disabled");
        assertAgentProblem("jreclaim.memory.recycle-max=64MB\n",
                "jreclaim: jreclaim.memory.recycle-max=64MB: not a size: MB is ambiguous (1000 or 1024?); use MiB (1024) instead; agent disabled");
        assertAgentProblem("jreclaim.memory.recycle-max=lots\n",
                "jreclaim: jreclaim.memory.recycle-max=lots: not a size; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB); agent disabled");
    }

    @Test
    void recycleMax() throws IOException {
        assertEquals(0, load(GOOD + "jreclaim.memory.recycle-max=0\n", Map.of(), Map.of()).config().recycleMax());
        assertEquals(8L << 20, load(GOOD, Map.of("jreclaim.memory.recycle-max", "8MiB"), Map.of()).config().recycleMax());
        assertEquals(64L << 20, load(GOOD, Map.of(), Map.of()).config().recycleMax());
    }

    @Test
    void snapshotLimits() throws IOException {
        LoadedConfig c = load(GOOD + "jreclaim.snapshot.min-ratio=2.5\njreclaim.snapshot.max-memory=0\n", Map.of(), Map.of());
        assertEquals(250, c.config().snapshotMinRatioPct());
        assertEquals(SnapshotMemoryLimit.ofBytes(0), c.config().snapshotMaxMemory());
        assertEquals(0, c.config().snapshotMaxMemory().resolve(1L << 30));
        LoadedConfig d = load(GOOD, Map.of(), Map.of());
        assertEquals(125, d.config().snapshotMinRatioPct());
        assertEquals(new SnapshotMemoryLimit(0, 10), d.config().snapshotMaxMemory());
        assertEquals((256L << 20) / 10, d.config().snapshotMaxMemory().resolve(256L << 20)); // a tenth of a 256 MiB cgroup
        LoadedConfig p = load(GOOD + "jreclaim.snapshot.max-memory=25%\n", Map.of(), Map.of());
        assertEquals(64L << 20, p.config().snapshotMaxMemory().resolve(256L << 20));
        assertEquals(64L << 20, load(GOOD + "jreclaim.snapshot.max-memory=64MiB\n", Map.of(), Map.of()).config()
                .snapshotMaxMemory().resolve(1L << 40));
    }

    @Test
    void badPressureHeadroom() throws IOException {
        String allowed = "use a share of the memory limit from 1% to 90% (e.g. 20%) or a size of at least 1MiB (e.g. 64MiB); agent disabled";
        assertAgentProblem("jreclaim.pressure.headroom=0%\n",
                "jreclaim: jreclaim.pressure.headroom=0%: out of range; " + allowed);
        assertAgentProblem("jreclaim.pressure.headroom=95%\n",
                "jreclaim: jreclaim.pressure.headroom=95%: out of range; " + allowed);
        assertAgentProblem("jreclaim.pressure.headroom=12.5%\n",
                "jreclaim: jreclaim.pressure.headroom=12.5%: not a whole percentage; " + allowed);
        assertAgentProblem("jreclaim.pressure.headroom=64KiB\n",
                "jreclaim: jreclaim.pressure.headroom=64KiB: too small; " + allowed);
        assertAgentProblem("jreclaim.pressure.headroom=lots\n",
                "jreclaim: jreclaim.pressure.headroom=lots: not a size; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB); or "
                        + allowed);
    }

    @Test
    void pressureHeadroom() throws IOException {
        assertEquals(new Headroom(20, 0), load(GOOD, Map.of(), Map.of()).config().pressureHeadroom());
        assertEquals(new Headroom(35, 0), load(GOOD + "jreclaim.pressure.headroom=35%\n", Map.of(), Map.of()).config().pressureHeadroom());
        Headroom fixed = load(GOOD, Map.of(), Map.of("JRECLAIM_PRESSURE_HEADROOM", "64MiB")).config().pressureHeadroom();
        assertEquals(new Headroom(0, 64L << 20), fixed);
        assertEquals(64L << 20, fixed.of(1L << 30));
        assertEquals((1L << 30) / 100 * 35, new Headroom(35, 0).of(1L << 30));
    }

    @Test
    void badMarkWhen() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.mark-when=later\n",
                "jreclaim: jreclaim.rule.bad.mark-when=later: not a mark-when value; use always or pressure; rule 'bad' disabled");
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.mark=explicit\njreclaim.rule.bad.mark-when=pressure\n",
                "jreclaim: jreclaim.rule.bad.mark-when=pressure: applies only to a rule the agent marks (mark=on-return or"
                        + " idle:<duration>); an explicit rule's buffers are marked by the application: remove mark-when;"
                        + " rule 'bad' disabled");
    }

    @Test
    void markWhen() throws IOException {
        LoadedConfig c = load(GOOD + "jreclaim.rule.before.mark-when=Pressure\n"
                + "jreclaim.rule.idle.kind=arena\njreclaim.rule.idle.mark=idle:5s\njreclaim.rule.idle.mark-when=always\n",
                Map.of(), Map.of("JRECLAIM_RULE_IDLE_MARK_WHEN", "pressure"));
        assertEquals(List.of(), c.lines());
        assertEquals(List.of(MarkWhen.PRESSURE, MarkWhen.PRESSURE), c.config().rules().stream().map(SiteRule::markWhen).toList());
        assertEquals(MarkWhen.ALWAYS, load(GOOD, Map.of(), Map.of()).config().rules().getFirst().markWhen(), "the default");
    }

    @Test
    void badRemarkIdle() throws IOException {
        assertAgentProblem("jreclaim.remark.idle=0s\n",
                "jreclaim: jreclaim.remark.idle=0s: zero or negative duration; use a whole number with ms, s, m or h (e.g. 1s); agent disabled");
        assertAgentProblem("jreclaim.remark.idle=soon\n",
                "jreclaim: jreclaim.remark.idle=soon: not a duration; use a whole number with ms, s, m or h (e.g. 1s); agent disabled");
    }

    @Test
    void remarkIdle() throws IOException {
        assertEquals(java.time.Duration.ofMillis(250),
                load(GOOD + "jreclaim.remark.idle=250ms\n", Map.of(), Map.of()).config().remarkIdle());
        assertEquals(java.time.Duration.ofSeconds(1), load(GOOD, Map.of(), Map.of()).config().remarkIdle());
    }

    @Test
    void badFileMaxOpen() throws IOException {
        assertAgentProblem("jreclaim.file.max-open=0\n",
                "jreclaim: jreclaim.file.max-open=0: out of range; use a whole number from 1 to 65536; agent disabled");
        assertAgentProblem("jreclaim.file.max-open=65537\n",
                "jreclaim: jreclaim.file.max-open=65537: out of range; use a whole number from 1 to 65536; agent disabled");
        assertAgentProblem("jreclaim.file.max-open=1k\n",
                "jreclaim: jreclaim.file.max-open=1k: not a whole number; use a whole number from 1 to 65536; agent disabled");
        assertAgentProblem("jreclaim.file.max-open=99999999999999\n",
                "jreclaim: jreclaim.file.max-open=99999999999999: out of range; use a whole number from 1 to 65536; agent disabled");
    }

    @Test
    void badCache() throws IOException {
        assertAgentProblem("jreclaim.cache=on\n",
                "jreclaim: jreclaim.cache=on: not a boolean; use true or false; agent disabled");
        assertAgentProblem("jreclaim.start.collect=yes\n",
                "jreclaim: jreclaim.start.collect=yes: not a boolean; use true or false; agent disabled");
        assertAgentProblem("jreclaim.cache.dir=relative/dir\n",
                "jreclaim: jreclaim.cache.dir=relative/dir: not an absolute path; give the directory from the root"
                        + " (/var/cache/jreclaim); agent disabled");
        assertAgentProblem("jreclaim.cache.dir=\n",
                "jreclaim: jreclaim.cache.dir=: not an absolute path; give the directory from the root"
                        + " (/var/cache/jreclaim); agent disabled");
    }

    @Test
    void cacheIsOnInTheDefaultDirectoryUnlessTold() throws IOException {
        AgentConfig d = load(GOOD, Map.of(), Map.of()).config();
        assertEquals(true, d.cache());
        assertEquals(null, d.cacheDir());
        AgentConfig c = load(GOOD + "jreclaim.cache=false\njreclaim.cache.dir=/var/cache/jr\n", Map.of(), Map.of()).config();
        assertEquals(false, c.cache());
        assertEquals(java.nio.file.Path.of("/var/cache/jr"), c.cacheDir());
        assertEquals(java.nio.file.Path.of("/x"), load(GOOD, Map.of(), Map.of("JRECLAIM_CACHE_DIR", "/x")).config().cacheDir());
        assertEquals(true, load(GOOD, Map.of(), Map.of()).config().startCollect());
        assertEquals(false, load(GOOD + "jreclaim.start.collect=false\n", Map.of(), Map.of()).config().startCollect());
    }

    @Test
    void fileMaxOpen() throws IOException {
        assertEquals(16, load(GOOD + "jreclaim.file.max-open=16\n", Map.of(), Map.of()).config().fileMaxOpen());
        assertEquals(256, load(GOOD, Map.of(), Map.of()).config().fileMaxOpen());
        assertEquals(3, load(GOOD, Map.of(), Map.of("JRECLAIM_FILE_MAX_OPEN", "3")).config().fileMaxOpen());
    }

    @Test
    void fileCheck() throws IOException {
        String rule = "jreclaim.rule.f.kind=direct\njreclaim.rule.f.site=a.B#c\njreclaim.rule.f.on-purge=rebuild:file,zero\n";
        assertEquals(FileCheck.HASH, load(rule + "jreclaim.rule.f.file-check=HASH\n", Map.of(), Map.of())
                .config().rules().getFirst().fileCheck());
        assertEquals(FileCheck.IDENTITY, load(rule, Map.of(), Map.of()).config().rules().getFirst().fileCheck());
        assertEquals(FileCheck.HASH, load(rule, Map.of(), Map.of("JRECLAIM_RULE_F_FILE_CHECK", "hash"))
                .config().rules().getFirst().fileCheck());
    }

    @Test
    void badFileCheck() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.on-purge=rebuild:file,zero\n"
                        + "jreclaim.rule.bad.file-check=sha256\n",
                "jreclaim: jreclaim.rule.bad.file-check=sha256: not a file check; use identity or hash; rule 'bad' disabled");
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.on-purge=rebuild:snapshot\n"
                        + "jreclaim.rule.bad.file-check=hash\n",
                "jreclaim: jreclaim.rule.bad.file-check=hash: applies only to a rule whose on-purge has rebuild:file; add it"
                        + " (e.g. on-purge=rebuild:file,zero) or remove file-check; rule 'bad' disabled");
    }

    @Test
    void unknownKeyWithSuggestion() throws IOException {
        assertAgentProblem("jreclaim.log.levl=INFO\n",
                "jreclaim: jreclaim.log.levl=INFO: unknown key (did you mean jreclaim.log.level?); agent disabled");
    }

    @Test
    void unknownKeyWithoutSuggestion() throws IOException {
        assertAgentProblem("jreclaim.turbo=on\n", "jreclaim: jreclaim.turbo=on: unknown key; agent disabled");
    }

    @Test
    void misspeltRulePrefixSuggestsTheRuleKey() throws IOException {
        assertAgentProblem("jreclaim.rules.cache.kind=direct\n",
                "jreclaim: jreclaim.rules.cache.kind=direct: unknown key (did you mean jreclaim.rule.cache.kind?); agent disabled");
    }

    @Test
    void keyOutsideTheJreclaimNamespace() throws IOException {
        assertAgentProblem("jreclam.enabled=true\n",
                "jreclaim: jreclam.enabled=true: unknown key (did you mean jreclaim.enabled?); agent disabled");
    }

    @Test
    void fileCannotNameAnotherFile() throws IOException {
        assertAgentProblem("jreclaim.config=/etc/other.properties\n",
                "jreclaim: jreclaim.config=/etc/other.properties: a file cannot name another file; give the file with the agent"
                        + " option config=<file>, -Djreclaim.config or JRECLAIM_CONFIG; agent disabled");
    }

    @Test
    void globalKeySetTwice() throws IOException {
        assertAgentProblem("jreclaim.log.level=INFO\njreclaim.log.level=WARN\n",
                "jreclaim: jreclaim.log.level=WARN: set twice in the file (first to INFO); remove one; agent disabled");
    }

    @Test
    void badValueFromSystemPropertyNamesTheProperty() throws IOException {
        LoadedConfig c = load(GOOD, Map.of("jreclaim.log.level", "LOUD"), Map.of());
        assertEquals(List.of("jreclaim: -Djreclaim.log.level=LOUD: not a log level; use TRACE, DEBUG, INFO, WARN, ERROR or OFF;"
                + " agent disabled"), c.lines());
    }

    @Test
    void badValueFromEnvironmentNamesTheVariable() throws IOException {
        LoadedConfig c = load(GOOD, Map.of(), Map.of("JRECLAIM_SNAPSHOT_CHUNK", "64 KB"));
        assertEquals(List.of("jreclaim: JRECLAIM_SNAPSHOT_CHUNK=64 KB: not a size; use bytes or a number with KiB, MiB or GiB"
                + " (e.g. 64KiB); agent disabled"), c.lines());
        assertFalse(c.active());
    }

    @Test
    void malformedRuleVariable() throws IOException {
        LoadedConfig c = load(GOOD, Map.of(), Map.of("JRECLAIM_RULE_CACHE_MINSIZE", "1"));
        assertEquals(List.of("jreclaim: JRECLAIM_RULE_CACHE_MINSIZE=1: unknown variable; rule variables are"
                + " JRECLAIM_RULE_<ID>_KIND, _SITE, _MIN_SIZE, _MARK, _MARK_WHEN, _ON_PURGE or _FILE_CHECK; agent disabled"), c.lines());
    }

    @Test
    void unknownSystemProperty() throws IOException {
        LoadedConfig c = load(GOOD, Map.of("jreclaim.enable", "true"), Map.of());
        assertEquals(List.of("jreclaim: -Djreclaim.enable=true: unknown key (did you mean jreclaim.enabled?); agent disabled"),
                c.lines());
    }

    @Test
    void everyProblemIsReportedNotJustTheFirst() throws IOException {
        LoadedConfig c = load("""
                jreclaim.log.level=LOUD
                jreclaim.rule.a.kind=heap
                jreclaim.rule.a.site=x
                jreclaim.uffd.mode=fast
                """);
        assertEquals(List.of(
                "jreclaim: jreclaim.log.level=LOUD: not a log level; use TRACE, DEBUG, INFO, WARN, ERROR or OFF; agent disabled",
                "jreclaim: jreclaim.uffd.mode=fast: not a userfaultfd mode; use auto, syscall, device or user-mode-only; agent disabled",
                "jreclaim: jreclaim.rule.a.kind=heap: not a kind; use direct, arena or any; rule 'a' disabled",
                "jreclaim: jreclaim.rule.a.site=x: no '#'; write class-glob#method-glob (e.g. com.acme.cache.*#load*); rule 'a' disabled"),
                c.lines());
        assertEquals(Optional.of("configuration problems: jreclaim.log.level, jreclaim.uffd.mode"), c.disabledReason());
    }

    // ---- one test per bad rule value: that rule disabled, its neighbours kept ----

    @Test
    void badKind() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=heap\njreclaim.rule.bad.site=a.B#c\n",
                "jreclaim: jreclaim.rule.bad.kind=heap: not a kind; use direct, arena or any; rule 'bad' disabled");
    }

    @Test
    void missingKind() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.site=a.B#c\n",
                "jreclaim: jreclaim.rule.bad.kind (not set): required; use direct, arena or any; rule 'bad' disabled");
    }

    @Test
    void missingKindOfAMisspeltRuleId() throws IOException {
        assertRuleProblem("jreclaim.rule.befor.min-size=1\n",
                "jreclaim: jreclaim.rule.befor.kind (not set): required; use direct, arena or any"
                        + " (a misspelt rule id? did you mean rule 'before'?); rule 'befor' disabled");
    }

    @Test
    void badSite() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=com.acme.cache.*\n",
                "jreclaim: jreclaim.rule.bad.site=com.acme.cache.*: no '#'; write class-glob#method-glob"
                        + " (e.g. com.acme.cache.*#load*); rule 'bad' disabled");
    }

    @Test
    void badGlob() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=com.acme cache.*#load\n",
                "jreclaim: jreclaim.rule.bad.site=com.acme cache.*#load: illegal character ' ' at position 9 of the class glob;"
                        + " use Java name characters, '.', '*' and '?'; rule 'bad' disabled");
    }

    @Test
    void badSize() throws IOException {
        assertRuleProblem("jreclaim.rule.cache.kind=direct\njreclaim.rule.cache.site=a.B#c\njreclaim.rule.cache.min-size=64 KB\n",
                "jreclaim: jreclaim.rule.cache.min-size=64 KB: not a size; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB);"
                        + " rule 'cache' disabled");
    }

    @Test
    void negativeSize() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.min-size=-1\n",
                "jreclaim: jreclaim.rule.bad.min-size=-1: negative size; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB);"
                        + " rule 'bad' disabled");
    }

    @Test
    void badMark() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.mark=sometimes\n",
                "jreclaim: jreclaim.rule.bad.mark=sometimes: not a mark mode; use on-return, explicit or idle:<duration>"
                        + " (e.g. idle:30s); rule 'bad' disabled");
    }

    @Test
    void badDuration() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.mark=idle:30\n",
                "jreclaim: jreclaim.rule.bad.mark=idle:30: not a duration; use a whole number with ms, s, m or h (e.g. idle:30s);"
                        + " rule 'bad' disabled");
    }

    @Test
    void zeroIdle() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.mark=idle:0s\n",
                "jreclaim: jreclaim.rule.bad.mark=idle:0s: zero or negative duration; use a whole number with ms, s, m or h"
                        + " (e.g. idle:30s); rule 'bad' disabled");
    }

    @Test
    void onReturnNeedsASite() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.mark=on-return\n",
                "jreclaim: jreclaim.rule.bad.mark=on-return: on-return needs a site method to return from; set"
                        + " jreclaim.rule.bad.site or use idle:<duration> or explicit; rule 'bad' disabled");
    }

    @Test
    void markRequiredWithoutSite() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\n",
                "jreclaim: jreclaim.rule.bad.mark (not set): required when site is omitted; use idle:<duration> or explicit;"
                        + " rule 'bad' disabled");
    }

    @Test
    void unknownPolicy() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.on-purge=rebuild:snapshot,crash\n",
                "jreclaim: jreclaim.rule.bad.on-purge=rebuild:snapshot,crash: unknown policy 'crash'; use rebuild:snapshot,"
                        + " rebuild:file, rebuild:app, zero or throw; rule 'bad' disabled");
    }

    @Test
    void unreachablePolicy() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.on-purge=throw,rebuild:file\n",
                "jreclaim: jreclaim.rule.bad.on-purge=throw,rebuild:file: 'rebuild:file' after 'throw' can never run;"
                        + " zero and throw must be last; rule 'bad' disabled");
    }

    @Test
    void duplicatePolicy() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.on-purge=zero, zero\n",
                "jreclaim: jreclaim.rule.bad.on-purge=zero, zero: 'zero' appears twice; rule 'bad' disabled");
    }

    @Test
    void badRuleId() throws IOException {
        assertRuleProblem("jreclaim.rule.ca$he.kind=direct\njreclaim.rule.ca$he.site=a.B#c\n",
                "jreclaim: jreclaim.rule.ca$he.kind=direct: rule id 'ca$he' is not valid; use letters, digits, '_' and '-'"
                        + " (e.g. jreclaim.rule.cache.kind); rule 'ca$he' disabled");
    }

    @Test
    void ruleIdWithADot() throws IOException {
        assertRuleProblem("jreclaim.rule.my.cache.kind=direct\njreclaim.rule.my.cache.site=a.B#c\n",
                "jreclaim: jreclaim.rule.my.cache.kind=direct: rule id 'my.cache' is not valid; use letters, digits, '_' and '-'"
                        + " (e.g. jreclaim.rule.cache.kind); rule 'my.cache' disabled");
    }

    @Test
    void emptyRuleId() throws IOException {
        assertRuleProblem("jreclaim.rule..kind=direct\n",
                "jreclaim: jreclaim.rule..kind=direct: empty rule id; use letters, digits, '_' and '-'"
                        + " (e.g. jreclaim.rule.cache.kind); rule '' disabled");
    }

    @Test
    void unknownRuleProperty() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.min_size=1\n",
                "jreclaim: jreclaim.rule.bad.min_size=1: unknown rule property 'min_size'; use kind, site, min-size, mark"
                        + ", mark-when, on-purge or file-check (did you mean min-size?); rule 'bad' disabled");
    }

    @Test
    void ruleWithoutProperty() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad=x\n",
                "jreclaim: jreclaim.rule.bad=x: no property after the rule id; use kind, site, min-size, mark, mark-when, on-purge or file-check;"
                        + " rule 'bad' disabled");
    }

    @Test
    void ruleKeySetTwice() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=a.B#c\njreclaim.rule.bad.kind=arena\n",
                "jreclaim: jreclaim.rule.bad.kind=arena: set twice in the file (first to direct); remove one; rule 'bad' disabled");
    }

    @Test
    void ruleIdsWithTheSameEnvironmentName() throws IOException {
        LoadedConfig c = load(GOOD + "jreclaim.rule.a-b.kind=direct\njreclaim.rule.a-b.site=a.B#c\n"
                + "jreclaim.rule.A_b.kind=direct\njreclaim.rule.A_b.site=a.B#c\n" + GOOD_AFTER);
        assertEquals(List.of("jreclaim: jreclaim.rule.A_b.kind=direct: rule id 'A_b' has the same environment name as rule"
                + " 'a-b' (JRECLAIM_RULE_A_B_…); rename one; rule 'A_b' disabled"), c.lines());
        assertEquals(List.of("before", "a-b", "after"), ids(c));
        assertTrue(c.active());
    }

    @Test
    void badRuleValueFromEnvironment() throws IOException {
        LoadedConfig c = load(GOOD, Map.of(), Map.of("JRECLAIM_RULE_BEFORE_MIN_SIZE", "1.5MiB"));
        assertEquals(List.of("jreclaim: JRECLAIM_RULE_BEFORE_MIN_SIZE=1.5MiB: not a whole number; use a smaller unit"
                + " (e.g. 1536KiB); rule 'before' disabled"), c.lines());
        assertEquals(List.of(), ids(c));
        assertTrue(c.active());
    }

    @Test
    void everyProblemOfOneRuleIsReported() throws IOException {
        LoadedConfig c = load(GOOD + "jreclaim.rule.bad.kind=heap\njreclaim.rule.bad.min-size=lots\njreclaim.rule.bad.mark=idle:5m\n");
        assertEquals(List.of(
                "jreclaim: jreclaim.rule.bad.kind=heap: not a kind; use direct, arena or any; rule 'bad' disabled",
                "jreclaim: jreclaim.rule.bad.min-size=lots: not a size; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB);"
                        + " rule 'bad' disabled"), c.lines());
        assertEquals(List.of("before"), ids(c));
    }

    @Test
    void emptyValueInTheFileIsAnError() throws IOException {
        assertRuleProblem("jreclaim.rule.bad.kind=direct\njreclaim.rule.bad.site=\n",
                "jreclaim: jreclaim.rule.bad.site=: no '#'; write class-glob#method-glob (e.g. com.acme.cache.*#load*);"
                        + " rule 'bad' disabled");
    }

    @Test
    void valuesAreTrimmedAndLinesStayOneLine() throws IOException {
        LoadedConfig c = load("jreclaim.rule.t.kind = direct   \njreclaim.rule.t.site=a.B#c\t\n"
                + "jreclaim.log.level=IN\\nFO\n");
        assertEquals(List.of("jreclaim: jreclaim.log.level=IN\\nFO: not a log level; use TRACE, DEBUG, INFO, WARN, ERROR or OFF;"
                + " agent disabled"), c.lines());
        assertEquals(List.of("t"), ids(c));
    }

    // ---- the file itself and the agent options: agent disabled, nothing thrown ----

    LoadedConfig loadOptions(String options) {
        return ConfigLoader.load(options, Map.of(), Map.of());
    }

    void assertFileProblem(String options, String expectedLine) {
        LoadedConfig c = loadOptions(options);
        assertEquals(List.of(expectedLine), c.lines());
        assertEquals(Scope.AGENT, c.problems().getFirst().scope());
        assertFalse(c.active());
    }

    @Test
    void missingFile() {
        Path p = dir.resolve("nope.properties");
        assertFileProblem("config=" + p, "jreclaim: agent option config=" + p + ": no such file; agent disabled");
    }

    @Test
    void missingRelativeFileSaysRelativeToWhat() {
        assertFileProblem("config=nope.properties", "jreclaim: agent option config=nope.properties: no such file (relative to"
                + " the working directory " + Path.of("").toAbsolutePath() + "); agent disabled");
    }

    @Test
    void missingFileFromSystemPropertyAndEnvironment() {
        Path p = dir.resolve("nope.properties");
        assertEquals(List.of("jreclaim: -Djreclaim.config=" + p + ": no such file; agent disabled"),
                ConfigLoader.load(null, Map.of("jreclaim.config", p.toString()), Map.of()).lines());
        assertEquals(List.of("jreclaim: JRECLAIM_CONFIG=" + p + ": no such file; agent disabled"),
                ConfigLoader.load(null, Map.of(), Map.of("JRECLAIM_CONFIG", p.toString())).lines());
    }

    @Test
    void directoryInsteadOfFile() {
        assertFileProblem("config=" + dir, "jreclaim: agent option config=" + dir + ": is a directory, not a properties file;"
                + " agent disabled");
    }

    /** A path through a regular file (ENOTDIR, which Java reports as a missing file): the line says which part is a file. */
    @Test
    void aParentIsAFile() throws IOException {
        Path f = file("x=y\n");
        Path p = f.resolve("jreclaim.properties");
        assertFileProblem("config=" + p, "jreclaim: agent option config=" + p + ": no such file: " + f + " is not a directory;"
                + " agent disabled");
    }

    /** Unreadable for root too: /proc/self/mem is a regular file whose first page is unmapped, so read(2) fails with EIO. */
    @Test
    void unreadableRegularFile() {
        assertFileProblem("config=/proc/self/mem",
                "jreclaim: agent option config=/proc/self/mem: cannot read: Input/output error; agent disabled");
    }

    /** Mode 000: only meaningful for a user without CAP_DAC_OVERRIDE, so skipped as root. */
    @Test
    void unreadableByPermissions() throws IOException {
        assumeFalse("root".equals(System.getProperty("user.name")), "root reads mode-000 files");
        Path f = file("jreclaim.enabled=true\n");
        Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("---------"));
        assertFileProblem("config=" + f, "jreclaim: agent option config=" + f + ": cannot read: permission denied; agent disabled");
    }

    @Test
    void notARegularFile() {
        assertFileProblem("config=/dev/null", "jreclaim: agent option config=/dev/null: not a regular file; agent disabled");
    }

    @Test
    void notUtf8() throws IOException {
        Path f = dir.resolve("latin1.properties");
        Files.write(f, "jreclaim.rule.caf\u00e9.kind=direct\n".getBytes(StandardCharsets.ISO_8859_1));
        assertFileProblem("config=" + f, "jreclaim: agent option config=" + f + ": cannot read: not UTF-8 text; agent disabled");
    }

    @Test
    void malformedEscapeInFile() throws IOException {
        Path f = file("jreclaim.log.level=\\uZZZZ\n");
        assertFileProblem("config=" + f, "jreclaim: agent option config=" + f + ": cannot read: Malformed \\uxxxx encoding.;"
                + " agent disabled");
    }

    @Test
    void aBadFileStillReportsOtherProblems() {
        LoadedConfig c = ConfigLoader.load("config=" + dir.resolve("nope"), Map.of("jreclaim.log.level", "LOUD"), Map.of());
        assertEquals(2, c.problems().size());
        assertEquals(Optional.of("configuration problems: config, jreclaim.log.level"), c.disabledReason());
    }

    @Test
    void emptyConfigSystemProperty() {
        assertEquals(List.of("jreclaim: -Djreclaim.config=: empty; give the path of a properties file; agent disabled"),
                ConfigLoader.load(null, Map.of("jreclaim.config", ""), Map.of()).lines());
    }

    @Test
    void optionWithoutEquals() {
        assertFileProblem("jreclaim.properties",
                "jreclaim: agent options 'jreclaim.properties': option 'jreclaim.properties' has no '='; write config=<file>;"
                        + " agent disabled");
    }

    @Test
    void unknownOption() {
        assertFileProblem("confg=/x", "jreclaim: agent options 'confg=/x': unknown option 'confg'; the only option is"
                + " config=<file> (did you mean config?); agent disabled");
    }

    @Test
    void emptyOptionBetweenCommas() {
        assertFileProblem("config=/x,,", "jreclaim: agent options 'config=/x,,': empty option (two commas, or a comma at an end);"
                + " write config=<file>; agent disabled");
    }

    @Test
    void optionWithoutName() {
        assertFileProblem("=/x", "jreclaim: agent options '=/x': option with no name; the only option is config=<file>;"
                + " agent disabled");
    }

    @Test
    void configOptionTwice() {
        assertFileProblem("config=/a,config=/b", "jreclaim: agent options 'config=/a,config=/b': config given twice;"
                + " agent disabled");
    }

    @Test
    void configOptionWithoutFile() {
        assertFileProblem("config=", "jreclaim: agent options 'config=': config has no file; write config=<file>;"
                + " agent disabled");
    }

    @Test
    void malformedOptionsAreReportedEvenWhenTheSystemPropertyNamesTheFile() throws IOException {
        Path f = file(GOOD);
        LoadedConfig c = ConfigLoader.load("conf", Map.of("jreclaim.config", f.toString()), Map.of());
        assertEquals(List.of("jreclaim: agent options 'conf': option 'conf' has no '='; write config=<file>; agent disabled"),
                c.lines());
        assertEquals(Optional.of("configuration problems: agent options"), c.disabledReason());
        assertEquals(List.of("before"), ids(c));
    }

    @Test
    void realEntryPointReadsThisJvm() {
        String key = "jreclaim.entry-point-test";
        System.setProperty(key, "1");
        try {
            assertTrue(ConfigLoader.load(null).lines().contains("jreclaim: -D" + key + "=1: unknown key; agent disabled"));
        } finally {
            System.clearProperty(key);
        }
    }

    @org.junit.jupiter.api.Test
    void doctorPropertiesAreNotTheAgents() {
        LoadedConfig c = ConfigLoader.load("", java.util.Map.of("jreclaim.doctor.timeoutSeconds", "5"), java.util.Map.of());
        org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of(), c.problems());
    }

    /** A UTF-8 byte order mark (Windows editors write one) is not part of the first key. */
    @Test
    void byteOrderMarkIsNotPartOfTheFirstKey() throws IOException {
        Path f = dir.resolve("bom.properties");
        Files.write(f, ("\uFEFF" + GOOD + GOOD_AFTER).getBytes(StandardCharsets.UTF_8));
        LoadedConfig c = ConfigLoader.load("config=" + f, Map.of(), Map.of());
        assertEquals(List.of(), c.lines());
        assertEquals(List.of("before", "after"), ids(c));
    }

    /** A file that is no properties file (here the environment: NUL-separated) is named, its contents never echoed. */
    @Test
    void aFileThatIsNotTextIsNotEchoed() {
        LoadedConfig c = ConfigLoader.load("config=/proc/self/environ", Map.of(), Map.of());
        assertEquals(1, c.lines().size(), c.lines().toString());
        String line = c.lines().getFirst();
        assertTrue(line.startsWith("jreclaim: agent option config=/proc/self/environ: not a properties file (a NUL"
                + " byte at offset ") && line.endsWith("); agent disabled"), line);
        assertFalse(line.contains(System.getenv("PATH")), line);
        assertTrue(line.length() < 160, line);
    }

    /** Whatever a value holds, a line shows at most its start: a key that is wrong is named, its value capped. */
    @Test
    void aLongValueIsCappedInItsLine() throws IOException {
        LoadedConfig c = load(GOOD + "jreclaim.nosuch=" + "x".repeat(10_000) + "\n");
        assertEquals(List.of("jreclaim: jreclaim.nosuch=" + "x".repeat(ConfigProblem.SHOWN) + "… (10000 characters):"
                + " unknown key; agent disabled"), c.lines());
    }
}
