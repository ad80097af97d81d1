package dev.jreclaim.samples.service;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The agent's exit line as the demos read it: with and without the snapshot figures. */
class AgentExitLineTest {
    @Test
    void readsTheFiguresOfALineWithSnapshotMemory() {
        AgentExitLine x = AgentExitLine.parse("jreclaim: at exit: 128 allocations taken, 0 freed, 128 live (512 MiB, 512 MiB"
                + " volatile, 34 MiB resident, 477 MiB purged now); 9000 faults served, 131072 pages rebuilt (12 from"
                + " snapshots), 3 rebuild failures; 7 MiB in snapshots (the kernel cannot drop them), 8192 chunk marks without"
                + " one (8192 incompressible, 0 over the limit), 2 MiB left plain; agent's own memory 9 MiB");
        assertEquals(131072, x.pagesRebuilt());
        assertEquals(12, x.snapshotPages());
        assertEquals(7L << 20, x.snapshotBytes());
        assertEquals(3, x.rebuildFailures());
        assertEquals(2L << 20, x.keptPlainBytes());
    }

    @Test
    void aFigureTheLineDoesNotGiveIsMinusOne() {
        AgentExitLine x = AgentExitLine.parse("jreclaim: at exit: 1 allocations taken, 0 freed, 1 live (4 MiB, 4 MiB volatile,"
                + " 0 MiB resident, 4 MiB purged now); 8 faults served, 8 pages rebuilt (0 from snapshots), 0 rebuild failures");
        assertEquals(8, x.pagesRebuilt());
        assertEquals(-1, x.snapshotBytes());
        assertEquals(-1, x.keptPlainBytes());
        assertEquals(-1, AgentExitLine.parse("").pagesRebuilt());
    }
}
