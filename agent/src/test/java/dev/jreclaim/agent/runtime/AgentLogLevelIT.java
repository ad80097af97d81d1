package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** jreclaim.log.level silences the agent's log, not the agent. */
class AgentLogLevelIT {
    static ChildJvm.Result run(String level) throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("rebuild:snapshot")), List.of("-Djreclaim.log.level=" + level),
                AgentOwnsABuffer.class));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(List.of("agent's: true"), r.out(), r.toString());
        return r;
    }

    @Test
    void offWritesNothing() throws Exception {
        ChildJvm.Result r = run("OFF");
        assertEquals(List.of(), r.err(), r.toString());
    }

    @Test
    void warnLeavesOutTheStartLine() throws Exception {
        assertEquals(List.of(), run("warn").agentLines());
    }

    @Test
    void debugKeepsIt() throws Exception {
        assertEquals(1, run("DEBUG").agentLines().stream().filter(l -> l.startsWith("jreclaim: agent started")).count());
    }
}
