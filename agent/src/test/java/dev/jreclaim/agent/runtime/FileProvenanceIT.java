package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * rebuild:file through the agent (docs/fault-path.md, "Pages rebuilt from the file they were read from"):
 * direct buffers filled by JDK file reads get their purged pages back from the file, for every way of opening a
 * FileChannel, positional and not, AsynchronousFileChannel, scattering reads, and MemorySegment.copy/copyFrom
 * from a file mapping into a direct buffer or an arena's segment; the
 * file's partial last page counts when the read reached the file's end and the rest of the page is zeros; a
 * page written after the read comes back as written; a file changed before the purge gives zeros for the pages
 * it cannot give back, never its new bytes, counted by reason.
 */
class FileProvenanceIT {
    static final String RULE = """
            jreclaim.rule.files.kind=any
            jreclaim.rule.files.min-size=64KiB
            jreclaim.rule.files.mark=explicit
            jreclaim.rule.files.on-purge=rebuild:file,zero
            """;
    static final Pattern LINE = Pattern.compile("(.+): purged pages (\\d+), from file (\\d+), verified (\\d+),"
            + " unverified (\\d+), stale (\\d+), missing (\\d+), io errors (\\d+), zero pages (\\d+), wrong (\\d+)");
    static final Pattern DESCRIPTORS = Pattern.compile("(.+): mapping descriptors while mapped (\\d+), released (\\d+)");
    static final int PAGES = FileReadsRebuilt.SIZE / FileReadsRebuilt.PAGE;

    @Test
    void purgedPagesComeBackFromTheFileAndNeverStale() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(RULE), List.of(), FileReadsRebuilt.class));
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.agentLines().getFirst().contains("FILE+SNAPSHOT else ZERO"), r.toString());
        List<String> cases = r.out().stream().filter(l -> LINE.matcher(l).matches()).toList();
        assertEquals(33, cases.size(), r.toString());
        // Consecutive ranges of one size are neighbours (one mapping region), so this case reads across two.
        assertTrue(r.out().contains("scattering across two ranges: adjacent true"), r.toString());
        List<String> mappings = r.out().stream().filter(l -> DESCRIPTORS.matcher(l).matches()).toList();
        assertEquals(4, mappings.size(), r.toString());
        for (String line : mappings) { // the agent's own descriptor per mapping, released when its arena closes
            Matcher m = DESCRIPTORS.matcher(line);
            assertTrue(m.matches());
            assertEquals("1", m.group(2), line);
            assertEquals("1", m.group(3), line);
        }
        for (String line : cases) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches());
            String what = m.group(1);
            long purged = Long.parseLong(m.group(2)), fromFile = Long.parseLong(m.group(3));
            long verified = Long.parseLong(m.group(4)), unverified = Long.parseLong(m.group(5));
            long stale = Long.parseLong(m.group(6)), missing = Long.parseLong(m.group(7));
            long zeroPages = Long.parseLong(m.group(9));
            assertEquals("0", m.group(10), line);
            assertTrue(purged >= PAGES * 7 / 8, "the purge dropped the pages: " + line);
            String kind = what.endsWith("written-after-read") ? "written-after-read"
                    : what.endsWith("file-written") ? "file-written" : what;
            switch (kind) {
                case "scattering around a heap buffer" -> { // the page across the two slices: two file ranges
                    assertEquals(PAGES - 1, verified, line);
                    assertEquals(0, unverified, line);
                    assertTrue(fromFile >= purged - 1, line);
                }
                case "not followed: PRIVATE mapping", "not followed: 65th mapping" -> { // the snapshot keeps them
                    assertEquals(0, verified + unverified + fromFile, line);
                }
                case "file end read rest-written" -> { // the last page's rest is not zeros: its bytes are kept
                    assertEquals(PAGES - 1, verified, line);
                    assertEquals(1, unverified, line);
                    assertTrue(fromFile >= purged - 1, line);
                }
                case "written-after-read" -> {
                    assertEquals(PAGES - 1, verified, line);
                    assertEquals(1, unverified, line);
                    assertTrue(fromFile >= purged - 1, line);
                }
                case "file-written", "truncated" -> {
                    assertEquals(PAGES, verified, line);
                    assertEquals(0, fromFile, line);
                    assertEquals(purged, stale, line);
                    assertEquals(purged, zeroPages, line);
                }
                case "deleted", "renamed-over" -> {
                    assertEquals(PAGES, verified, line);
                    assertEquals(0, fromFile, line);
                    assertEquals(purged, missing, line);
                    assertEquals(purged, zeroPages, line);
                }
                default -> {
                    assertEquals(PAGES, verified, line);
                    assertEquals(purged, fromFile, line);
                    assertEquals(0, stale + missing, line);
                }
            }
        }
    }
}
