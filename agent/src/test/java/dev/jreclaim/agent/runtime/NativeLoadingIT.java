package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * libjreclaim.so loads from a memfd, so a java.io.tmpdir mounted noexec or read-only does not stop the agent;
 * where memfd_create is refused ({@code -Ddev.jreclaim.native.noMemfd=true} stands in for a seccomp filter), the
 * start-up line names the mount's flag. Real tmpfs mounts (we are root); skipped, naming why, where mount(8) is
 * not permitted.
 */
class NativeLoadingIT {
    static final String NO_MEMFD = "-Ddev.jreclaim.native.noMemfd=true";

    @TempDir
    Path temp;
    Path mounted;

    @BeforeEach
    void mountPoint() throws IOException {
        mounted = Files.createDirectory(temp.resolve("mnt"));
    }

    @AfterEach
    void unmount() throws Exception {
        if (isMountPoint()) {
            assertEquals(0, new ProcessBuilder("umount", mounted.toString()).inheritIO().start().waitFor(),
                    "umount " + mounted);
        }
    }

    private boolean isMountPoint() throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .anyMatch(l -> l.split(" ")[1].equals(mounted.toString()));
    }

    private void mountTmpfs(String options) throws Exception {
        Process p = new ProcessBuilder("mount", "-t", "tmpfs", "-o", options + ",size=16m", "tmpfs", mounted.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        assumeTrue(p.waitFor() == 0, "mount -t tmpfs -o " + options + " is not permitted here: " + out);
    }

    private ChildJvm.Result run(String... jvmArgs) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-Djava.io.tmpdir=" + mounted));
        args.addAll(List.of(jvmArgs));
        return ChildJvm.run(ChildJvm.java(ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("zero")), args,
                LibraryMapping.class));
    }

    private static void assertStartedFromMemfd(ChildJvm.Result r) {
        assertEquals(0, r.exit(), r.toString());
        assertTrue(r.agentLines().getFirst().startsWith("jreclaim: agent started: "), r.toString());
        assertEquals(List.of("agent running: true", "library mapped from: /memfd:libjreclaim.so (deleted)"), r.out());
    }

    @Test
    void startsWithANoexecTmpdir() throws Exception {
        mountTmpfs("noexec");
        assertStartedFromMemfd(run());
    }

    @Test
    void startsWithAReadOnlyTmpdir() throws Exception {
        mountTmpfs("ro");
        assertStartedFromMemfd(run());
    }

    @Test
    void withoutMemfdANoexecTmpdirIsNamed() throws Exception {
        mountTmpfs("noexec");
        ChildJvm.Result r = run(NO_MEMFD);
        assertEquals(0, r.exit(), r.toString());
        assertEquals("agent running: false", r.out().getFirst(), r.toString());
        String line = r.agentLines().getLast();
        assertTrue(line.contains("WARN agent disabled: the fault service cannot start: cannot load libjreclaim.so:"
                + " memfd_create was refused (EPERM"), line);
        assertTrue(line.contains("and java.io.tmpdir " + mounted + " is on a file system mounted noexec"
                + " (statvfs ST_NOEXEC)"), line);
        assertTrue(line.endsWith("; the application runs without it"), line);
    }

    @Test
    void withoutMemfdAReadOnlyTmpdirIsNamed() throws Exception {
        mountTmpfs("ro");
        ChildJvm.Result r = run(NO_MEMFD);
        assertEquals(0, r.exit(), r.toString());
        assertEquals("agent running: false", r.out().getFirst(), r.toString());
        String line = r.agentLines().getLast();
        assertTrue(line.contains("and java.io.tmpdir " + mounted + " is on a file system mounted read-only"
                + " (statvfs ST_RDONLY)"), line);
    }

    /** The fallback itself works where the directory allows it: the copy is mapped, then deleted. */
    @Test
    void withoutMemfdAnExecTmpdirIsUsed() throws Exception {
        mountTmpfs("exec");
        ChildJvm.Result r = run(NO_MEMFD);
        assertEquals(0, r.exit(), r.toString());
        assertEquals("agent running: true", r.out().getFirst(), r.toString());
        assertTrue(r.out().get(1).matches("library mapped from: " + mounted + "/jreclaim-\\d+\\.so \\(deleted\\)"),
                r.toString());
    }
}
