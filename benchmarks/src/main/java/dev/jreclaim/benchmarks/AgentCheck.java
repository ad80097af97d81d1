package dev.jreclaim.benchmarks;

import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.agent.runtime.ReclaimRuntime;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** Fails a fork whose setup is not what its name says (agent missing, or a buffer taken or not as expected). */
final class AgentCheck {
    private AgentCheck() {}

    /** The agent's range behind {@code b}, or null when the JDK malloc'd it. */
    static VolatileRange rangeOf(ByteBuffer b) {
        ReclaimRuntime runtime = ReclaimRuntime.current();
        if (runtime == null) {
            throw new IllegalStateException("no jreclaim agent in this fork: run from the repository root after packaging");
        }
        return runtime.rangeAt(MemorySegment.ofBuffer(b).address());
    }

    static void expect(ByteBuffer b, boolean agentsMemory) {
        if ((rangeOf(b) != null) != agentsMemory) {
            throw new IllegalStateException("a " + b.capacity() + "-byte buffer should " + (agentsMemory ? "" : "not ")
                    + "be the agent's memory");
        }
    }
}
