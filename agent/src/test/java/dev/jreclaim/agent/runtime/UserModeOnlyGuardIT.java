package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * As uid 65534 with the default userfaultfd mode (auto), the agent runs in user-mode-only mode, and the JDK's own
 * system calls on purged buffers (FileChannel.write and read, a gathering write, a socket write over loopback) give
 * every byte right: without the guards each fails with EFAULT (agent/src/test/c: user_mode_only_pin_serves_system_calls,
 * doctor's "probe I/O unpinned write"). The child's classes and the jar are copied where uid 65534 can read them.
 */
class UserModeOnlyGuardIT {
    @Test
    void unprivilegedJdkIoOnPurgedBuffersGivesTheRightBytes() throws Exception {
        assumeTrue(ProcessHandle.current().info().user().orElse("").equals("root")
                && Files.isExecutable(AgentUnavailableIT.SETPRIV), "needs root and " + AgentUnavailableIT.SETPRIV
                + " to run as uid 65534");
        Path dir = Files.createTempDirectory(Path.of("/tmp"), "jreclaim-umo-it-");
        try {
            String pkg = UserModeOnlyIoThroughJdk.class.getPackageName().replace('.', '/');
            Path classes = Files.createDirectories(dir.resolve("classes").resolve(pkg));
            try (Stream<Path> s = Files.list(ChildJvm.testClasses().resolve(pkg))) {
                for (Path c : s.filter(p -> p.getFileName().toString().startsWith("UserModeOnlyIoThroughJdk")).toList()) {
                    Files.copy(c, classes.resolve(c.getFileName()));
                }
            }
            Path jar = Files.copy(ChildJvm.agentJar(), dir.resolve("jreclaim-agent.jar"));
            Path config = Files.writeString(dir.resolve("jreclaim.properties"),
                    ConfigFile.EVERYTHING_64K.formatted("rebuild:snapshot"));
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.toList()) {
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(
                            Files.isDirectory(p) ? "rwxr-xr-x" : "rw-r--r--"));
                }
            }
            List<String> c = new ArrayList<>(List.of(AgentUnavailableIT.SETPRIV.toString(),
                    "--reuid=" + AgentUnavailableIT.NOBODY, "--regid=" + AgentUnavailableIT.NOBODY, "--clear-groups",
                    ChildJvm.JAVA.toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m",
                    "-javaagent:" + jar + "=config=" + config, "-cp", dir.resolve("classes").toString(),
                    UserModeOnlyIoThroughJdk.class.getName()));
            ChildJvm.Result r = ChildJvm.run(c);
            assertEquals(0, r.exit(), r.toString());
            assertEquals("mode user-mode-only (UFFD_USER_MODE_ONLY)", r.out().getFirst(), r.toString());
            for (String what : List.of("FileChannel.write from", "FileChannel.read into",
                    "FileChannel.write gathering from", "SocketChannel.write from")) {
                assertTrue(r.out().stream().anyMatch(l -> l.startsWith(what + " purged buffers: ")
                        && l.endsWith(", wrong bytes 0")), what + " in " + r);
            }
            assertTrue(r.out().getLast().matches("pins [1-9]\\d*, failures 0, purged refusals 0"), r.toString());
        } finally {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
