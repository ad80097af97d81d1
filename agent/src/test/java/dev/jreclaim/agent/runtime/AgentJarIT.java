package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/** The agent jar is self-contained, with Byte Buddy relocated everywhere, multi-release entries included. */
class AgentJarIT {
    @Test
    void byteBuddyIsBundledAndRelocated() throws Exception {
        try (JarFile jar = new JarFile(ChildJvm.agentJar().toFile())) {
            List<String> names = jar.stream().map(JarEntry::getName).toList();
            List<String> leaked = names.stream().filter(n -> n.contains("net/bytebuddy")).toList();
            assertEquals(List.of(), leaked, "unrelocated Byte Buddy entries");
            assertTrue(names.contains("dev/jreclaim/shaded/bytebuddy/ByteBuddy.class"), "Byte Buddy is bundled");
            assertTrue(names.contains("dev/jreclaim/instrumentation/directbuffer/DirectBufferInstrumentation.class"));
            assertTrue(names.contains("dev/jreclaim/instrumentation/ffmarena/ArenaInstrumentation.class"));
            List<String> versioned = names.stream().filter(n -> n.startsWith("META-INF/versions/") && n.endsWith(".class"))
                    .toList();
            assertTrue(!versioned.isEmpty(), "Byte Buddy's multi-release classes are kept");
            for (String n : versioned) {
                assertTrue(n.matches("META-INF/versions/\\d+/dev/jreclaim/shaded/bytebuddy/.+"), n);
            }
            assertTrue(names.stream().noneMatch(n -> n.endsWith("module-info.class")), "no module descriptor");

            Attributes main = jar.getManifest().getMainAttributes();
            assertEquals("dev.jreclaim.bootstrap.AgentPremain", main.getValue("Premain-Class"));
            assertEquals("dev.jreclaim.bootstrap.AgentPremain", main.getValue("Agent-Class"));
            assertEquals("true", main.getValue("Can-Retransform-Classes"));
            assertEquals("true", main.getValue("Can-Redefine-Classes"));
            assertEquals("true", main.getValue("Multi-Release"));
            assertEquals(ChildJvm.agentJar().getFileName().toString(), main.getValue("Boot-Class-Path"),
                    "the jar puts itself on the boot class path");
        }
    }
}
