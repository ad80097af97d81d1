package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The agent jar is self-contained, with Byte Buddy, Logback and SLF4J relocated everywhere, multi-release
 * entries included, and nothing a host's ServiceLoader could find.
 */
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

            List<String> unrelocatedLogging = names.stream()
                    .filter(n -> n.contains("ch/qos/") || n.contains("org/slf4j/") || n.contains("ch.qos.logback"))
                    .toList();
            assertEquals(List.of(), unrelocatedLogging, "unrelocated Logback or SLF4J entries");
            assertTrue(names.contains("dev/jreclaim/shaded/logback/classic/LoggerContext.class"), "Logback is bundled");
            assertTrue(names.contains("dev/jreclaim/shaded/slf4j/Logger.class"), "SLF4J's API is bundled");
            assertEquals(List.of(), names.stream().filter(n -> n.startsWith("META-INF/services/")).toList(),
                    "service files: on the boot class path every ServiceLoader of the host would read them");
            assertTrue(names.stream().noneMatch(n -> n.equals("META-INF/INDEX.LIST")), "no stale jar index");

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
