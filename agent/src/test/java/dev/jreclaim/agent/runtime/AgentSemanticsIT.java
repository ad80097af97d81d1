package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The same program, with and without the agent, prints the same report: capacity, order, slices,
 * duplicates, views, zero-initialisation, invokeCleaner, the Cleaner, arena close, the "direct" buffer
 * pool, -XX:MaxDirectMemorySize. With the agent, every allocation of at least min-size is the agent's
 * memory and no smaller one is.
 */
class AgentSemanticsIT {
    static final long MIN_SIZE = 65536;
    static final List<String> JVM_ARGS = List.of("-XX:MaxDirectMemorySize=32m");

    static List<String> report(ChildJvm.Result r) {
        return r.out().stream().filter(l -> !l.startsWith("owner ")).toList();
    }

    static List<String> owners(ChildJvm.Result r) {
        return r.out().stream().filter(l -> l.startsWith("owner ")).toList();
    }

    @Test
    void reportIsTheSameWithAndWithoutTheAgent() throws Exception {
        ChildJvm.Result plain = ChildJvm.run(ChildJvm.java(null, JVM_ARGS, JdkSemanticsReport.class));
        ChildJvm.Result agent = ChildJvm.run(ChildJvm.java(ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("rebuild:snapshot")), JVM_ARGS,
                JdkSemanticsReport.class));
        assertEquals(0, plain.exit(), plain.toString());
        assertEquals(0, agent.exit(), agent.toString());
        assertEquals("end", plain.out().getLast(), plain.toString());
        assertTrue(plain.out().stream().anyMatch(l -> l.startsWith("MaxDirectMemorySize after 8 buffers")),
                "the limit applies to the plain run: " + plain);
        assertEquals(report(plain), report(agent));

        List<String> agentLines = agent.agentLines();
        assertEquals(1, agentLines.size(), agent.toString());
        assertTrue(agentLines.getFirst().startsWith("jreclaim: agent started"), agent.toString());
        assertTrue(plain.agentLines().isEmpty(), plain.toString());

        for (String line : owners(plain)) {
            assertTrue(line.endsWith(" false"), "without the agent nothing is the agent's: " + line);
        }
        int taken = 0;
        for (String line : owners(agent)) {
            String[] f = line.split(" ");
            boolean expected = Long.parseLong(f[2]) >= MIN_SIZE;
            assertEquals(expected, Boolean.parseBoolean(f[3]), "with the agent: " + line);
            taken += expected ? 1 : 0;
        }
        assertTrue(taken >= 10, "the agent took " + taken + " allocations: " + owners(agent));
    }
}
