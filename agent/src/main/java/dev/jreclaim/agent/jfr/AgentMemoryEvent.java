package dev.jreclaim.agent.jfr;

import jdk.jfr.Category;
import jdk.jfr.DataAmount;
import jdk.jfr.Description;
import jdk.jfr.Label;
import jdk.jfr.Name;
import jdk.jfr.Period;
import jdk.jfr.StackTrace;

/** The memory the agent holds itself, sampled: what the kernel cannot drop on top of the buffers. */
@Name("jreclaim.AgentMemory")
@Label("Agent Memory")
@Category("jreclaim")
@Description("Memory the agent holds itself: snapshots (never droppable by the kernel) and the library's own")
@Period("1 s")
@StackTrace(false)
final class AgentMemoryEvent extends jdk.jfr.Event {
    @Label("Snapshot Bytes")
    @Description("LZ4 snapshots held now: anonymous memory the kernel cannot drop")
    @DataAmount
    long snapshotBytes;

    @Label("Agent Bytes")
    @Description("The native library's own memory: range table and index, the service's buffers, source state, snapshots")
    @DataAmount
    long agentBytes;

    @Label("Chunks Without Snapshot")
    @Description("Chunk marks since start whose snapshot did not pay (min-ratio) or did not fit (max-memory)")
    long chunksWithoutSnapshot;
}
