package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Deterministic purge of the agent's memory behind a direct buffer and arena segments: every byte read
 * back through the JDK's own API is the one written before the purge (SNAPSHOT), and the purge really
 * dropped the pages (they had to be rebuilt).
 */
class AgentPurgeIT {
    static final Pattern LINE = Pattern.compile(
            "(.+): (\\d+) bytes, resident after purge (\\d+), purged (\\d+), pages restored (\\d+), faults (\\d+), wrong bytes (\\d+)");

    @Test
    void everyByteComesBackThroughTheJdkBuffer() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("rebuild:snapshot")), List.of(),
                PurgeThroughJdkMemory.class));
        assertEquals(0, r.exit(), r.toString());
        List<String> cases = r.out().stream().filter(l -> LINE.matcher(l).matches()).toList();
        assertEquals(3, cases.size(), r.toString());
        for (String line : cases) {
            Matcher m = LINE.matcher(line);
            assertTrue(m.matches());
            long bytes = Long.parseLong(m.group(2));
            assertTrue(Long.parseLong(m.group(3)) <= bytes / 8, "the purge dropped the pages: " + line);
            assertTrue(Long.parseLong(m.group(5)) >= bytes / 4096 * 7 / 8, "the pages were rebuilt on touch: " + line);
            assertEquals("0", m.group(7), line);
        }
        assertEquals("live ranges after close: 1", r.out().getLast(), "the direct buffer is still live, the segments were freed");
    }
}
