package dev.jreclaim.agent.runtime;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/** Child JVM: allocates a 1 MiB direct buffer and says whether the running agent took it. */
public final class AgentOwnsABuffer {
    public static void main(String[] args) {
        ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
        ReclaimRuntime runtime = ReclaimRuntime.current();
        System.out.println("agent's: " + (runtime != null && runtime.rangeAt(MemorySegment.ofBuffer(b).address()) != null));
    }
}
