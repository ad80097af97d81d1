package dev.jreclaim.agent.rules;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jreclaim.agent.config.ConfigLoader;
import dev.jreclaim.agent.config.LoadedConfig;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.range.RangeState;
import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.agent.range.VolatileRange;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-marking (docs/configuration.md, jreclaim.remark.idle): a range of an on-return rule written after its mark is
 * marked again once no new chunk was written for the remark time; an explicit rule's range never is.
 */
class RemarkAfterWritesTest {
    @TempDir
    Path dir;

    static final Duration REMARK = Duration.ofMillis(100);

    RuleSet rules;

    RulePolicy policy(String properties) throws IOException {
        Path f = Files.writeString(dir.resolve("rules.properties"), properties);
        LoadedConfig c = ConfigLoader.load("config=" + f, Map.of(), Map.of());
        assertEquals(List.of(), c.lines());
        rules = RuleSet.of(c.config().rules(), true);
        return new RulePolicy(rules.rules(), new SiteTracker(rules.rules()), REMARK);
    }

    static void awaitMarks(VolatileRange r, long marks, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (r.stats().marks() < marks && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    @Test
    void onReturnRangeWrittenAfterItsMarkIsMarkedAgainOnceIdleExplicitNever() throws Exception {
        RulePolicy p = policy("""
                jreclaim.rule.cache.kind=direct
                jreclaim.rule.cache.site=com.acme.Cache#load*
                jreclaim.rule.cache.mark=on-return
                jreclaim.rule.mine.kind=arena
                jreclaim.rule.mine.mark=explicit
                """);
        try (RangeRegistry ranges = RangeRegistry.start()) {
            assumeTrue(ranges.writeProtect(), "skipped: the userfaultfd lacks UFFD_FEATURE_PAGEFAULT_FLAG_WP");
            p.start(ranges);
            ActiveRule cache = p.ruleFor(dev.jreclaim.instrumentation.api.AllocationKind.ARENA, 1 << 20);
            assertEquals("mine", cache == null ? null : cache.rule().id(), "the explicit rule takes arenas anywhere");
            VolatileRange onReturn = ranges.allocateUnscoped(1 << 20, RebuildSource.SNAPSHOT,
                    p.use(rules.rules().get(0)));
            VolatileRange explicit = ranges.allocateUnscoped(1 << 20, RebuildSource.SNAPSHOT,
                    p.use(rules.rules().get(1)));
            MemorySegment a = MemorySegment.ofAddress(onReturn.address()).reinterpret(1 << 20);
            MemorySegment b = MemorySegment.ofAddress(explicit.address()).reinterpret(1 << 20);
            for (long i = 0; i < 1 << 20; i += 8) {
                a.set(JAVA_LONG, i, i);
                b.set(JAVA_LONG, i, i);
            }
            onReturn.mark(); // what the site's return does
            explicit.mark(); // what the application does
            // Untouched since the mark: not marked again by a look that began after its idle time had passed.
            assertTrue(p.awaitIdleLookAfter(System.nanoTime() + REMARK.multipliedBy(2).toNanos(), Duration.ofSeconds(30)),
                    "the idle marker never looked");
            assertEquals(1, onReturn.stats().marks(), "nothing written since the mark");

            a.set(JAVA_LONG, 4096, -1L);
            b.set(JAVA_LONG, 4096, -1L);
            assertTrue(onReturn.stats().writtenBytes() > 0, onReturn.stats().toString());
            assertTrue(explicit.stats().writtenBytes() > 0, explicit.stats().toString());
            awaitMarks(onReturn, 2, Duration.ofSeconds(30));
            assertEquals(2, onReturn.stats().marks(), "marked again once idle: " + onReturn.stats());
            assertEquals(0, onReturn.stats().writtenBytes());
            assertEquals(RangeState.VOLATILE, onReturn.state());
            assertEquals(1 << 20, onReturn.stats().volatileBytes());
            assertTrue(p.remarksAfterWrites() >= 1);
            // Written, and idle for longer than the remark time at the marker's next look: still not the marker's.
            assertTrue(p.awaitIdleLookAfter(System.nanoTime() + REMARK.multipliedBy(2).toNanos(), Duration.ofSeconds(30)),
                    "the idle marker never looked");
            assertEquals(1, explicit.stats().marks(), "an explicit rule's range is the application's to mark");
            assertTrue(explicit.stats().writtenBytes() > 0);
            assertEquals(-1L, a.get(JAVA_LONG, 4096));
            assertEquals(-1L, b.get(JAVA_LONG, 4096));
            p.freeing(onReturn);
            onReturn.free();
            p.freeing(explicit);
            explicit.free();
        }
    }
}
