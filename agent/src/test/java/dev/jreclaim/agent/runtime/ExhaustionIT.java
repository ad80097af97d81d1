package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.range.RangeRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When the range table's slots or the process's mappings run out, an allocation is served by plain JDK memory:
 * the buffer works, every byte right, the JVM goes on, and the agent says why once (rate-limited), naming the
 * limit (docs/fault-path.md, "When slots, mappings or memory run out"). The limits are lowered for the child
 * only: a small {@code jreclaim.service.capacity}, and the library's mapping budget through its test-only
 * system property; nothing of the machine changes.
 */
class ExhaustionIT {
    static final String RULE = """
            jreclaim.rule.all.kind=direct
            jreclaim.rule.all.min-size=4KiB
            jreclaim.rule.all.mark=explicit
            jreclaim.rule.all.on-purge=rebuild:snapshot
            """;

    static List<String> warnings(ChildJvm.Result r) {
        return r.agentLines().stream().filter(l -> l.startsWith("jreclaim: WARN")).toList();
    }

    @Test
    void aFullRangeTableFallsBackToPlainMemoryWithOneWarning() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(RULE + "jreclaim.service.capacity=8\n"),
                List.of(), ExhaustedBuffers.class, "200", "16384"));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("agent 8 plain 192 wrong 0 fallbacks 192"), r.out(), r.toString());
        List<String> w = warnings(r);
        assertEquals(1, w.size(), "exactly one (rate-limited) warning: " + r);
        assertTrue(w.getFirst().contains("the range table is full (8 live ranges, jreclaim.service.capacity)"), w.toString());
        assertTrue(w.getFirst().contains("plain JDK memory"), w.toString());
    }

    @Test
    void exhaustedMappingsFallBackToPlainMemoryWithOneWarning() throws Exception {
        // A budget of one mapping: the process holds hundreds already, so not even the first slab may be made.
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(RULE),
                List.of("-D" + RangeRegistry.TEST_MAP_LIMIT_PROPERTY + "=1"), ExhaustedBuffers.class, "200", "16384"));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("agent 0 plain 200 wrong 0 fallbacks 200"), r.out(), r.toString());
        List<String> w = warnings(r);
        assertEquals(1, w.size(), "exactly one (rate-limited) warning: " + r);
        assertTrue(w.getFirst().matches(".*near vm\\.max_map_count \\(\\d+\\).*"), w + " (this JVM reads " + maxMapCount() + ")");
        assertTrue(w.getFirst().contains("makes no mapping past 1 and"), w.toString());
    }

    static long maxMapCount() throws Exception {
        return Long.parseLong(java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/vm/max_map_count")).strip());
    }
}
