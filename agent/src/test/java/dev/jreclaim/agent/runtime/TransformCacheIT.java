package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transform cache against the packaged jar (docs/agent.md, "The transform cache"): the first start transforms the site
 * class with Byte Buddy and stores it, the second takes it (and the JDK's substituted classes) from the cache and
 * loads no class of Byte Buddy (-verbose:class), with the same instrumented behaviour; a damaged entry is transformed
 * again (same behaviour) and stored anew; with the cache off, Byte Buddy is loaded again.
 */
class TransformCacheIT {
    static final List<String> EXPECTED = List.of("site buffer: SNAPSHOT VOLATILE", "purged and read back: wrong bytes 0");

    static String rules(Path dir, boolean cache) {
        return "jreclaim.rule.direct.kind=direct\n"
                + "jreclaim.rule.direct.site=dev.jreclaim.testapp.Sites#directSite*\n"
                + "jreclaim.cache=" + cache + "\n"
                + "jreclaim.cache.dir=" + dir + "\n"
                + "jreclaim.log.level=debug\n";
    }

    static long byteBuddyClasses(ChildJvm.Result r) {
        return r.out().stream().filter(l -> l.startsWith("[") && l.contains("shaded.bytebuddy")).count();
    }

    static List<String> programLines(ChildJvm.Result r) {
        return r.out().stream().filter(l -> !l.startsWith("[")).toList();
    }

    static ChildJvm.Result run(String rules) throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(rules), List.of("-verbose:class"),
                CachedSiteChild.class));
        assertEquals(0, r.exit(), r.toString());
        return r;
    }

    @Test
    void aSecondStartLoadsNoByteBuddyAndStillInstruments(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("cache");
        ChildJvm.Result first = run(rules(dir, true));
        assertEquals(EXPECTED, programLines(first), first.toString());
        assertTrue(byteBuddyClasses(first) > 100, "the first start transforms with Byte Buddy: " + first);
        try (Stream<Path> entries = Files.list(dir)) {
            assertTrue(entries.anyMatch(p -> p.getFileName().toString().startsWith("site-")), "no site entry in " + dir);
        }

        ChildJvm.Result second = run(rules(dir, true));
        assertEquals(EXPECTED, programLines(second), second.toString());
        assertEquals(0, byteBuddyClasses(second), second.toString());
        assertTrue(second.agentLines().stream().anyMatch(l -> l.contains("Byte Buddy not loaded")
                && l.contains(" hits, 0 stored")), second.toString());
        assertFalse(second.agentLines().stream().anyMatch(l -> l.contains("Byte Buddy set up")), second.toString());

        // A damaged entry is a miss: Byte Buddy again, the same behaviour, and the entry written anew.
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.filter(p -> p.getFileName().toString().startsWith("site-")).toList()) {
                byte[] b = Files.readAllBytes(p);
                b[b.length / 2] ^= 0x5a;
                Files.write(p, b);
            }
        }
        ChildJvm.Result damaged = run(rules(dir, true));
        assertEquals(EXPECTED, programLines(damaged), damaged.toString());
        assertTrue(byteBuddyClasses(damaged) > 100, "a damaged entry is transformed again: " + damaged);
        ChildJvm.Result rewritten = run(rules(dir, true));
        assertEquals(EXPECTED, programLines(rewritten), rewritten.toString());
        assertEquals(0, byteBuddyClasses(rewritten), "the entry was stored again: " + rewritten);

        ChildJvm.Result off = run(rules(dir, false));
        assertEquals(EXPECTED, programLines(off), off.toString());
        assertTrue(byteBuddyClasses(off) > 100, "with jreclaim.cache=false Byte Buddy transforms again: " + off);
    }
}
