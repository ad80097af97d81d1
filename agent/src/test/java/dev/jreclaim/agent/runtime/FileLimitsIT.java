package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * rebuild:file's limits and checks through the agent (docs/fault-path.md, "Pages rebuilt from the file they were
 * read from"): more files than {@code jreclaim.file.max-open} all rebuilt right through the descriptor LRU, a
 * deleted file's descriptor closed; a file written in place with the same size and its mtime set back, with
 * {@code file-check=identity} and {@code hash}; {@code rebuild:file,rebuild:snapshot,zero} page by page;
 * {@code rebuild:file,throw} on a deleted file: the documented exceptions, the JVM alive.
 */
class FileLimitsIT {
    static final String RULE = """
            jreclaim.rule.files.kind=direct
            jreclaim.rule.files.min-size=64KiB
            jreclaim.rule.files.mark=explicit
            """;

    static Matcher run(String properties, Pattern line, String... args) throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(RULE + properties), List.of(),
                FileLimitsChild.class, args));
        assertEquals(0, r.exit(), r.toString());
        String out = r.out().stream().filter(l -> line.matcher(l).matches()).findFirst().orElse(null);
        assertTrue(out != null, r.toString());
        System.out.println(out);
        Matcher m = line.matcher(out);
        assertTrue(m.matches());
        return m;
    }

    static long n(Matcher m, int group) {
        return Long.parseLong(m.group(group));
    }

    @Test
    void moreFilesThanMaxOpenAllRebuiltAndADeletedFileLetGo() throws Exception {
        Pattern line = Pattern.compile("many-files: files (\\d+), purged pages (\\d+), from file (\\d+), wrong (\\d+),"
                + " max open (\\d+), tracked (\\d+), reopens (\\d+), evictions (\\d+), deleted: held before (\\d+),"
                + " after delete (\\d+), after fault (\\d+), missing (\\d+), non-zero wrong (\\d+)");
        Matcher m = run("jreclaim.file.max-open=4\njreclaim.rule.files.on-purge=rebuild:file,zero\n", line,
                "many-files", "24");
        long purged = n(m, 2);
        assertTrue(purged >= 2 * 24 * 64 * 7 / 8, "the purges dropped the pages: " + m.group());
        assertEquals(purged, n(m, 3), "every purged page came back from its file: " + m.group());
        assertEquals(0, n(m, 4), m.group());
        assertTrue(n(m, 5) <= 4, "never more than max-open descriptors: " + m.group());
        assertEquals(24, n(m, 6), m.group());
        assertTrue(n(m, 7) >= 2 * (24 - 4), "evicted files reopened by path: " + m.group());
        assertTrue(n(m, 8) >= 24 - 4, m.group());
        // The deleted file's descriptor (if open when deleted) is closed as soon as a fault finds it deleted.
        assertEquals(0, n(m, 11), m.group());
        assertTrue(n(m, 12) > 0, m.group());
        assertEquals(0, n(m, 13), m.group());
    }

    static final Pattern CHANGE = Pattern.compile("same-size-change: purged pages (\\d+), from file (\\d+), stale (\\d+),"
            + " stale by hash (\\d+), zero pages (\\d+), new bytes pages (\\d+), mtime restored (true|false)");

    /**
     * On this machine's file systems (ext4, tmpfs: multigrain timestamps, Linux 6.13+) the write gets a new ctime,
     * which no one can set back, so the identity alone catches it; the hash is not needed and counts nothing. The
     * change the identity misses (same ctime: a file system with coarse timestamps, a write within one tick) is
     * shown by the C test {@code file_hash_check} on ramfs.
     */
    @Test
    void sameSizeChangeWithMtimeSetBackIsNeverRebuilt() throws Exception {
        for (String check : List.of("identity", "hash")) {
            Matcher m = run("jreclaim.rule.files.on-purge=rebuild:file,zero\njreclaim.rule.files.file-check=" + check
                    + "\n", CHANGE, "same-size-change");
            long purged = n(m, 1);
            assertTrue(purged >= 64 * 7 / 8, m.group());
            assertEquals("true", m.group(7), m.group());
            assertEquals(0, n(m, 2), check + ": nothing from the changed file: " + m.group());
            assertEquals(purged, n(m, 3), m.group());
            assertEquals(0, n(m, 4), "the ctime moved, so the identity caught it first: " + m.group());
            assertEquals(purged, n(m, 5), m.group());
            assertEquals(0, n(m, 6), m.group());
        }
    }

    static final Pattern THROW = Pattern.compile("throw-deleted: purged pages (\\d+), missing (\\d+), from file (\\d+),"
            + " kept wrong (\\d+), write (\\S+), crc (\\S+), plain (\\S+), poisoned (\\d+), alive true");

    @Test
    void fileThenThrowOnADeletedFileGivesTheDocumentedExceptions() throws Exception {
        Matcher m = run("jreclaim.rule.files.on-purge=rebuild:file,throw\n", THROW, "throw-deleted");
        assertTrue(n(m, 1) >= 64 * 7 / 8, m.group());
        assertTrue(n(m, 2) > 0, m.group());
        assertTrue(n(m, 3) >= 64 * 7 / 8, "the other file's pages came back from it: " + m.group());
        assertEquals(0, n(m, 4), m.group());
        assertEquals("dev.jreclaim.instrumentation.api.PurgedBufferException", m.group(5), m.group());
        assertEquals("dev.jreclaim.instrumentation.api.PurgedMemoryError", m.group(6), m.group());
        assertEquals("java.lang.InternalError", m.group(7), m.group());
        assertTrue(n(m, 8) > 0, m.group());
    }

    static final Pattern CHAIN = Pattern.compile("chain: snapshot bytes (\\d+), text purged (\\d+), text wrong (\\d+),"
            + " text zero (\\d+), random purged (\\d+), random wrong (\\d+), random zero (\\d+), stale (\\d+),"
            + " fell to snapshot (\\d+)");

    @Test
    void fileThenSnapshotPageByPage() throws Exception {
        // rebuild:file,zero: the text's pages keep no snapshot, so once its file changed they read as zeros.
        Matcher z = run("jreclaim.rule.files.on-purge=rebuild:file,zero\n", CHAIN, "chain");
        assertTrue(n(z, 2) >= 64 * 7 / 8 && n(z, 5) >= 64 * 7 / 8, z.group());
        assertEquals(n(z, 2), n(z, 4), z.group());
        assertEquals(n(z, 5), n(z, 7), z.group());
        assertEquals(0, n(z, 9), z.group());
        // rebuild:file,rebuild:snapshot,zero: the text's pages are in its snapshot too and come back from it; the
        // random bytes' snapshot would not pay, so theirs fall to zero.
        Matcher s = run("jreclaim.rule.files.on-purge=rebuild:file,rebuild:snapshot,zero\n", CHAIN, "chain");
        assertTrue(n(s, 1) > n(z, 1), "the text's snapshot is kept: " + s.group() + " vs " + z.group());
        assertTrue(n(s, 2) >= 64 * 7 / 8, s.group());
        assertEquals(0, n(s, 3), "every text page right: " + s.group());
        assertEquals(n(s, 2), n(s, 9), s.group());
        assertEquals(n(s, 5), n(s, 7), s.group());
        assertEquals(n(s, 2) + n(s, 5), n(s, 8), s.group());
    }
}
