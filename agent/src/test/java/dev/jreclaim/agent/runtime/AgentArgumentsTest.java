package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.range.RebuildSource;
import dev.jreclaim.instrumentation.api.AllocationKind;
import org.junit.jupiter.api.Test;

class AgentArgumentsTest {
    @Test
    void noArgumentsTakeNothing() {
        assertSame(AllocationPolicy.NONE, AgentArguments.policy(null));
        assertSame(AllocationPolicy.NONE, AgentArguments.policy(" "));
        assertNull(AllocationPolicy.NONE.sourceFor(AllocationKind.DIRECT, 1L << 30));
    }

    @Test
    void minSizeAndSource() {
        AllocationPolicy p = AgentArguments.policy("min-size=65536, source=zero");
        assertEquals(new MinSizePolicy(65536, RebuildSource.ZERO), p);
        assertNull(p.sourceFor(AllocationKind.DIRECT, 65535));
        assertEquals(RebuildSource.ZERO, p.sourceFor(AllocationKind.ARENA, 65536));
        assertEquals(RebuildSource.SNAPSHOT, AgentArguments.policy("min-size=1").sourceFor(AllocationKind.DIRECT, 1));
    }

    @Test
    void badOptionsNameTheProblem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentArguments.policy("min-size=1k")).getMessage()
                .contains("'1k'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentArguments.policy("min-size=1,source=FILE"))
                .getMessage().contains("ZERO, SNAPSHOT, POISON"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentArguments.policy("size=1")).getMessage()
                .contains("unknown agent option 'size=1'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AgentArguments.policy("source=ZERO")).getMessage()
                .contains("need min-size"));
    }
}
