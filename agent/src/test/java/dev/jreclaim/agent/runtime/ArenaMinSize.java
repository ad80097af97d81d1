package dev.jreclaim.agent.runtime;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A child program (AgentRulesIT): arena segments just below, at and above a 64 KiB min-size, and one whose
 * alignment pads the JDK's malloc above it; prints which ones the agent took.
 */
public final class ArenaMinSize {
    private ArenaMinSize() {}

    public static void main(String[] args) {
        ReclaimRuntime runtime = ReclaimRuntime.current();
        try (Arena arena = Arena.ofConfined()) {
            for (long size : new long[] {65_528, 65_529, 65_535, 65_536, 65_537}) {
                MemorySegment s = arena.allocate(size);
                System.out.println(size + ": " + (runtime.rangeAt(s.address()) != null ? "taken" : "plain"));
            }
            // malloc'd as 60000 + 4096 - 16 bytes; the segment starts inside, so it cannot be looked up: count instead
            long before = runtime.totals().allocations();
            arena.allocate(60_000, 4096);
            System.out.println("60000 aligned to 4096: " + (runtime.totals().allocations() > before ? "taken" : "plain"));
            MemorySegment from = arena.allocateFrom(ValueLayout.JAVA_BYTE, new byte[65_530]); // not zeroed: not padded
            System.out.println("allocateFrom 65530: " + (runtime.rangeAt(from.address()) != null ? "taken" : "plain"));
        }
    }
}
