package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Attached at run time (Agent-Class): classes already loaded and used are retransformed; earlier buffers stay the JDK's. */
class AgentAttachIT {
    @Test
    void attachedAgentTakesLaterAllocationsOnly() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(null,
                List.of("-Djdk.attach.allowAttachSelf=true", "-XX:+EnableDynamicAgentLoading"), LateAttach.class,
                ChildJvm.agentJar().toString(), ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("zero"))));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, r.agentLines().size(), r.toString());
        assertTrue(r.agentLines().getFirst().startsWith("jreclaim: agent started (attached)"), r.toString());
        assertEquals(List.of("early buffer is the agent's: false", "late buffer is the agent's: true",
                "late segment is the agent's: true", "early 1048576, late 1048576, live ranges 0, frees 2"), r.out());
    }
}
