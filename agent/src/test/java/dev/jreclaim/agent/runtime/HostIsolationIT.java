package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * An application with its own Byte Buddy, Logback, SLF4J and logback.xml, each a different version from
 * the agent's, runs with the agent: it logs through its Logback with its pattern and its provider alone,
 * its Byte Buddy generates a working subclass, the agent's one line keeps the agent's format in spite
 * of the host's logback.xml (which silences a logger named "jreclaim"), and the agent still takes a
 * direct buffer above min-size. The application is compiled here against its own libraries only
 * (target/host-libs, copied by maven-dependency-plugin), so nothing of the agent's build leaks into it.
 */
class HostIsolationIT {
    static final String APP = """
            import ch.qos.logback.classic.LoggerContext;
            import java.lang.foreign.MemorySegment;
            import java.nio.ByteBuffer;
            import net.bytebuddy.ByteBuddy;
            import net.bytebuddy.implementation.MethodDelegation;
            import net.bytebuddy.matcher.ElementMatchers;
            import org.slf4j.Logger;
            import org.slf4j.LoggerFactory;

            public class HostApp {
                public static class Greeter {
                    public String greet(String name) { return "hello " + name; }
                }

                public static class Shout {
                    public static String greet(String name) { return "HELLO " + name.toUpperCase(); }
                }

                static String jarOf(Class<?> c) {
                    if (c.getClassLoader() == null) return "the boot class path";
                    String path = c.getProtectionDomain().getCodeSource().getLocation().getPath();
                    return path.substring(path.lastIndexOf('/') + 1);
                }

                public static void main(String[] args) throws Exception {
                    Logger log = LoggerFactory.getLogger(HostApp.class);
                    log.info("host starts");
                    LoggerFactory.getLogger("jreclaim").warn("the host's own logger named jreclaim");
                    log.info("slf4j factory {} from {}", LoggerFactory.getILoggerFactory().getClass().getName(),
                            jarOf(LoggerFactory.getILoggerFactory().getClass()));
                    log.info("slf4j api from {}, logback from {}", jarOf(LoggerFactory.class), jarOf(LoggerContext.class));

                    Class<? extends Greeter> type = new ByteBuddy().subclass(Greeter.class)
                            .method(ElementMatchers.named("greet")).intercept(MethodDelegation.to(Shout.class))
                            .make().load(HostApp.class.getClassLoader()).getLoaded();
                    log.info("byte buddy from {} says {}", jarOf(ByteBuddy.class),
                            type.getDeclaredConstructor().newInstance().greet("world"));

                    ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
                    for (int i = 0; i < buffer.capacity(); i += 4096) buffer.put(i, (byte) 7);
                    Class<?> runtime = Class.forName("dev.jreclaim.agent.runtime.ReclaimRuntime");
                    Object current = runtime.getMethod("current").invoke(null);
                    Object range = runtime.getMethod("rangeAt", long.class)
                            .invoke(current, MemorySegment.ofBuffer(buffer).address());
                    log.info("direct buffer is the agent's: {}", range != null);
                }
            }
            """;
    /** A pattern no one else uses, to stdout; the logger named "jreclaim" is silenced. */
    static final String LOGBACK_XML = """
            <configuration>
              <appender name="OUT" class="ch.qos.logback.core.ConsoleAppender">
                <encoder><pattern>HOST|%level|%logger{0}|%msg%n</pattern></encoder>
              </appender>
              <logger name="jreclaim" level="OFF"/>
              <root level="INFO"><appender-ref ref="OUT"/></root>
            </configuration>
            """;

    static Path dir;
    static List<Path> hostLibs;

    @BeforeAll
    static void compileHostApp() throws Exception {
        Path libs = Path.of(System.getProperty("test.jreclaim.hostLibs"));
        try (Stream<Path> s = Files.list(libs)) {
            hostLibs = s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
        assertEquals(4, hostLibs.size(), "the host's libraries were not copied to " + libs + ": " + hostLibs);
        dir = Files.createTempDirectory("jreclaim-host-it-");
        Files.writeString(dir.resolve("HostApp.java"), APP);
        Files.writeString(dir.resolve("logback.xml"), LOGBACK_XML);
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "-cp", classPath(List.of()), "-d",
                dir.toString(), dir.resolve("HostApp.java").toString());
        assertEquals(0, rc, "javac HostApp");
    }

    @AfterAll
    static void removeDir() throws IOException {
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static String classPath(List<Path> first) {
        List<String> entries = new ArrayList<>(first.stream().map(Path::toString).toList());
        hostLibs.forEach(p -> entries.add(p.toString()));
        return String.join(File.pathSeparator, entries);
    }

    @Test
    void hostLibrariesAndTheAgentStayApart() throws Exception {
        List<String> command = List.of(ChildJvm.JAVA.toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                "-javaagent:" + ChildJvm.agentJar() + "=" + ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("rebuild:snapshot")), "-cp", classPath(List.of(dir)), "HostApp");
        ChildJvm.Result r = ChildJvm.run(command);
        assertEquals(0, r.exit(), r.toString());

        // The host's log: its pattern, its provider, its versions; every line of stdout is one of its.
        assertEquals(List.of(
                "HOST|INFO|HostApp|host starts",
                "HOST|INFO|HostApp|slf4j factory ch.qos.logback.classic.LoggerContext from logback-classic-1.4.14.jar",
                "HOST|INFO|HostApp|slf4j api from slf4j-api-2.0.9.jar, logback from logback-classic-1.4.14.jar",
                "HOST|INFO|HostApp|byte buddy from byte-buddy-1.14.18.jar says HELLO WORLD",
                "HOST|INFO|HostApp|direct buffer is the agent's: true"), r.out(), r.toString());
        assertTrue(r.out().stream().noneMatch(l -> l.contains("jreclaim")), "no jreclaim in the host's log: " + r);

        // The agent's log: its one line in its own format, untouched by the host's logback.xml.
        assertEquals(1, r.agentLines().size(), r.toString());
        assertTrue(r.agentLines().getFirst().startsWith("jreclaim: agent started: userfaultfd "), r.toString());
        assertTrue(r.agentLines().getFirst().contains("reclaimable: rule 'all' (any anywhere, >= 65536 bytes"), r.toString());

        // Nothing else on stderr: no "SLF4J: Class path contains multiple SLF4J providers", no Logback status.
        assertEquals(r.agentLines(), r.err(), r.toString());
    }
}
