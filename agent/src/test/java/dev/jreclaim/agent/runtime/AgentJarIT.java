package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.instrumentation.api.InstrumentationModule;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import org.junit.jupiter.api.Test;

/**
 * The agent jar is self-contained, with Byte Buddy, Logback and SLF4J relocated everywhere, multi-release
 * entries included, and no service file a host's ServiceLoader could find but the agent's own interface's.
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
            // On the boot class path, a host's ServiceLoader reads every service file for the interface it asks for:
            // none of the bundled libraries' may be there (Logback's would offer the host's SLF4J a second provider).
            // The one file is the agent's own interface's, which only the agent asks for.
            String modules = "META-INF/services/" + InstrumentationModule.class.getName();
            assertEquals(List.of(modules), names.stream()
                            .filter(n -> n.startsWith("META-INF/services/") && !n.equals("META-INF/services/")).toList(),
                    "service files: on the boot class path every ServiceLoader of the host would read them");
            try (InputStream in = jar.getInputStream(jar.getEntry(modules))) {
                List<String> providers = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines()
                        .map(String::strip).filter(l -> !l.isEmpty() && !l.startsWith("#")).sorted().toList();
                assertEquals(List.of("dev.jreclaim.instrumentation.directbuffer.DirectBufferInstrumentation",
                        "dev.jreclaim.instrumentation.ffmarena.ArenaInstrumentation",
                        "dev.jreclaim.instrumentation.fileread.FileReadInstrumentation",
                        "dev.jreclaim.instrumentation.nativeio.NativeIoInstrumentation",
                        "dev.jreclaim.instrumentation.sitescope.SiteInstrumentation"), providers,
                        "every instrumentation module's service entry, merged");
            }
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
