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

    /** A site rule on a class loaded before the attach (retransformed) and on one loaded after: both take buffers. */
    @Test
    void attachedAgentTakesSiteAllocationsOfClassesLoadedBeforeAndAfter() throws Exception {
        String rules = """
                jreclaim.rule.sites.kind=direct
                jreclaim.rule.sites.site=dev.jreclaim.testapp.AttachSites$*#site
                jreclaim.rule.sites.mark=on-return
                jreclaim.rule.sites.on-purge=zero
                """;
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(null,
                List.of("-Djdk.attach.allowAttachSelf=true", "-XX:+EnableDynamicAgentLoading"), LateAttachSites.class,
                ChildJvm.agentJar().toString(), ConfigFile.option(rules)));
        assertEquals(0, r.exit(), r.toString());
        assertEquals(1, r.agentLines().size(), r.toString());
        String line = r.agentLines().getFirst();
        assertTrue(line.startsWith("jreclaim: agent started (attached)"), line);
        assertTrue(line.contains("instrumented: DirectByteBuffer, application site methods;"), line); // no arena rule: no arena module; a full userfaultfd and zero: no guard
        assertEquals(List.of("early site's buffer: ZERO VOLATILE", "late site's buffer: ZERO VOLATILE",
                "live ranges 2"), r.out());
    }
}
