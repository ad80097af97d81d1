package dev.jreclaim.bootstrap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The bootstrap's Java check must name the release the agent's classes really need. */
class JavaVersionTest {
    /** Class file major version of Java N is N + 44 (JVMS 4.1). */
    private static final int MAJOR_OFFSET = 44;

    @Test
    void requiredReleaseIsTheOneTheAgentIsCompiledFor() throws IOException {
        assertEquals(JavaVersion.REQUIRED, release("/dev/jreclaim/agent/start/AgentStart.class"),
                "JavaVersion.REQUIRED must equal the agent classes' release (pom.xml maven.compiler.release)");
    }

    @Test
    void bootstrapItselfLoadsOnJava8() throws IOException {
        assertEquals(8, release("/dev/jreclaim/bootstrap/JavaVersion.class"));
        assertEquals(8, release("/dev/jreclaim/bootstrap/AgentPremain.class"));
    }

    @Test
    void messageNamesTheRequiredRelease() {
        assertTrue(JavaVersion.tooOld().startsWith("jreclaim needs Java " + JavaVersion.REQUIRED + " or newer"),
                JavaVersion.tooOld());
    }

    private static int release(String resource) throws IOException {
        try (InputStream in = JavaVersionTest.class.getResourceAsStream(resource)) {
            assertNotNull(in, resource);
            DataInputStream data = new DataInputStream(in);
            assertEquals(0xCAFEBABE, data.readInt(), resource + ": not a class file");
            data.readUnsignedShort();
            return data.readUnsignedShort() - MAJOR_OFFSET;
        }
    }
}
