package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import dev.jreclaim.agent.cgroup.TestCgroups;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code jreclaim.snapshot.max-memory}'s default (10%) is of the memory the process may use: in a memory cgroup of
 * 200 MiB, a child reads 200 MiB (the cgroup's limit, not the machine's RAM).
 */
class UsableMemoryIT {
    @Test
    void aChildInAMemoryCgroupSeesItsLimit() throws Exception {
        long limit = 200L << 20;
        MemoryCgroup cg = TestCgroups.childOrSkip("jreclaim-usable", limit);
        try (cg) {
            ChildJvm.Result r = ChildJvm.run(cg.wrap(ChildJvm.java("", List.of("-Xmx32m"), UsableMemoryChild.class)));
            assertEquals(0, r.exit(), r.toString());
            String line = r.out().stream().filter(l -> l.startsWith("USABLE ")).findFirst()
                    .orElseThrow(() -> new AssertionError("no USABLE line:\n" + r));
            assertEquals(limit, Long.parseLong(line.substring("USABLE ".length())), r.toString());
        }
    }
}
