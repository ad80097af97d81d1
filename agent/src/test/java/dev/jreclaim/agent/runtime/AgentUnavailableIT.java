package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where the agent cannot run, it prints one line and the application runs unchanged: JDK 17, native
 * access denied, no userfaultfd (uid 65534 under a seccomp filter), bad options. The application is
 * compiled for Java 17 here and copied with the jar to a directory uid 65534 can read.
 */
class AgentUnavailableIT {
    static final String APP = """
            import java.nio.ByteBuffer;
            public class TinyApp {
                public static void main(String[] args) {
                    ByteBuffer b = ByteBuffer.allocateDirect(1 << 20);
                    long sum = 0;
                    for (int i = 0; i < b.capacity(); i += 4096) { b.put(i, (byte) i); sum += b.get(i) + 1; }
                    System.out.println("tiny app: direct " + b.isDirect() + ", capacity " + b.capacity() + ", sum " + sum);
                }
            }
            """;
    static final String NOBODY = "65534";
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");

    static Path dir;
    static Path jar;
    static Path config;
    static List<String> expectedOutput;

    @BeforeAll
    static void compileAppAndCopyJar() throws Exception {
        dir = Files.createTempDirectory(Path.of("/tmp"), "jreclaim-agent-it-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path source = dir.resolve("TinyApp.java");
        Files.writeString(source, APP);
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "--release", "17", "-d", dir.toString(),
                source.toString());
        assertEquals(0, rc, "javac TinyApp");
        jar = dir.resolve("jreclaim-agent.jar");
        Files.copy(ChildJvm.agentJar(), jar);
        config = Files.writeString(dir.resolve("jreclaim.properties"), ConfigFile.EVERYTHING_64K.formatted("zero"));
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        ChildJvm.Result plain = ChildJvm.run(List.of(ChildJvm.JAVA.toString(), "-cp", dir.toString(), "TinyApp"));
        assertEquals(0, plain.exit(), plain.toString());
        expectedOutput = plain.out();
        assertEquals(List.of("tiny app: direct true, capacity 1048576, sum 256"), expectedOutput);
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

    static List<String> app(List<String> wrappers, Path java, String agentArgs, String... jvmArgs) {
        List<String> c = new ArrayList<>(wrappers);
        c.add(java.toString());
        c.addAll(List.of(jvmArgs));
        c.add("-javaagent:" + jar + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
        c.addAll(List.of("-cp", dir.toString(), "TinyApp"));
        return c;
    }

    /** Exit 0, the application's own output, and exactly one line from the agent, which is returned. */
    static String ranUnchangedWithOneLine(ChildJvm.Result r) {
        assertEquals(0, r.exit(), r.toString());
        assertEquals(expectedOutput, r.out(), r.toString());
        assertEquals(1, r.agentLines().size(), r.toString());
        return r.agentLines().getFirst();
    }

    @Test
    void jdk17GetsOneLineAndTheApplicationRuns() throws Exception {
        assumeTrue(Files.isExecutable(ChildJvm.JAVA_17), "needs a JDK 17 at " + ChildJvm.JAVA_17);
        String line = ranUnchangedWithOneLine(ChildJvm.run(app(List.of(), ChildJvm.JAVA_17, "config=" + config)));
        assertTrue(line.startsWith("jreclaim: WARN agent disabled: ") && line.contains("Java 25"), line);
    }

    @Test
    void deniedNativeAccessGetsOneLineAndTheApplicationRuns() throws Exception {
        ChildJvm.Result r = ChildJvm.run(app(List.of(), ChildJvm.JAVA, "config=" + config, "--illegal-native-access=deny"));
        String line = ranUnchangedWithOneLine(r);
        assertTrue(line.startsWith("jreclaim: WARN agent disabled: native access is denied"), line);
        assertTrue(line.contains("--enable-native-access=ALL-UNNAMED"), line);
    }

    /**
     * Unprivileged, the process gets only a user-mode-only userfaultfd: the agent runs with it by default (every JDK
     * path that hands a buffer to the kernel is pinned first), and its one line says what stays unguarded.
     */
    @Test
    void userModeOnlyIsTheDefaultForUnprivilegedProcesses() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root") && Files.isExecutable(SETPRIV),
                "needs root and " + SETPRIV + " to run as uid 65534");
        List<String> asNobody = List.of(SETPRIV.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
        ChildJvm.Result r = ChildJvm.run(app(asNobody, ChildJvm.JAVA, "config=" + config, "--enable-native-access=ALL-UNNAMED"));
        String line = ranUnchangedWithOneLine(r);
        assertTrue(line.startsWith("jreclaim: agent started: userfaultfd user-mode-only (UFFD_USER_MODE_ONLY) (the best"
                + " this process may open; the JDK's I/O on reclaimable buffers is pinned first; unguarded: system calls"
                + " made by the application's own JNI or FFM code"), line);
        assertTrue(line.contains("native I/O guards"), line);

        Path asked = dir.resolve("user-mode-only.properties");
        Files.writeString(asked, Files.readString(config) + "jreclaim.uffd.mode=user-mode-only\n");
        asked.toFile().setReadable(true, false);
        ChildJvm.Result on = ChildJvm.run(app(asNobody, ChildJvm.JAVA, "config=" + asked, "--enable-native-access=ALL-UNNAMED"));
        String started = ranUnchangedWithOneLine(on);
        assertTrue(started.startsWith("jreclaim: agent started: userfaultfd user-mode-only (UFFD_USER_MODE_ONLY) (the"
                + " JDK's I/O"), started);
    }

    @Test
    void noUserfaultfdGetsOneLineAndTheApplicationRuns() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root") && Files.isExecutable(SETPRIV),
                "needs root and " + SETPRIV + " to run as uid 65534");
        Path deny = Path.of(System.getProperty("test.jreclaim.native"), "deny-userfaultfd");
        assertTrue(Files.isExecutable(deny), "the seccomp test helper was not built: " + deny);
        List<String> wrappers = List.of(SETPRIV.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups",
                deny.toString());
        ChildJvm.Result r = ChildJvm.run(app(wrappers, ChildJvm.JAVA, "config=" + config, "--enable-native-access=ALL-UNNAMED"));
        String line = ranUnchangedWithOneLine(r);
        assertTrue(line.startsWith("jreclaim: WARN agent disabled: no userfaultfd is available"), line);
        assertTrue(line.contains("doctor"), line);
    }

    @Test
    void badOptionGetsOneLineAndTheApplicationRuns() throws Exception {
        ChildJvm.Result r = ChildJvm.run(app(List.of(), ChildJvm.JAVA, "min-size=65536", "--enable-native-access=ALL-UNNAMED"));
        String line = ranUnchangedWithOneLine(r);
        assertEquals("jreclaim: agent options 'min-size=65536': unknown option 'min-size'; the only option is"
                + " config=<file>; agent disabled", line);
    }

    @Test
    void nativeAccessNotEnabledIsSaidInTheStartLine() throws Exception {
        ChildJvm.Result r = ChildJvm.run(app(List.of(), ChildJvm.JAVA, "config=" + config));
        String line = ranUnchangedWithOneLine(r);
        assertTrue(line.startsWith("jreclaim: agent started") && line.contains("--enable-native-access=ALL-UNNAMED"), line);
        assertTrue(r.err().stream().anyMatch(l -> l.startsWith("WARNING: A restricted method")), "the JDK's own warning: " + r);
    }
}
