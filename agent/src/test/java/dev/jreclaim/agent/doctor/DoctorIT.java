package dev.jreclaim.agent.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jreclaim.agent.linux.UffdAbi;
import dev.jreclaim.agent.linux.Userfaultfd;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code java -jar jreclaim-agent.jar doctor} as a child process, as root, as nobody, under a seccomp
 * filter denying userfaultfd, on JDK 17, with native access denied, and with a fault that is never
 * answered in time. Every child has {@link #TIMEOUT}; a child still running then is killed and the
 * test fails.
 */
class DoctorIT {
    static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final String NOBODY = "65534";
    static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");
    static final Path SETPRIV = Path.of("/usr/bin/setpriv");
    static final List<String> SOURCES = List.of("ZERO", "SNAPSHOT", "POISON", "FILE");

    static Path dir;
    static Path jar;

    /** Output lines and exit status of one doctor run. */
    record Run(List<String> command, int exit, List<String> lines) {
        String last() {
            return lines.isEmpty() ? "" : lines.getLast();
        }

        /** The value of {@code doctor: <name>: <value>}; fails the test when there is no such line. */
        String value(String name) {
            String prefix = CheckLine.PREFIX + name + ": ";
            return lines.stream().filter(l -> l.startsWith(prefix)).map(l -> l.substring(prefix.length())).findFirst()
                    .orElseGet(() -> fail("no '" + prefix + "' line in\n" + this));
        }

        /** Nothing but doctor lines: no JVM or FFM warning, no stack trace. */
        void assertOnlyDoctorLines() {
            for (String l : lines) {
                assertTrue(l.startsWith(CheckLine.PREFIX), "a line that is not doctor's: '" + l + "' in\n" + this);
            }
        }

        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit " + exit + "\n" + String.join("\n", lines);
        }
    }

    @BeforeAll
    static void copyJarWhereNobodyCanReadIt() throws IOException {
        Path built = Path.of(System.getProperty("test.jreclaim.jar"));
        assertTrue(Files.isRegularFile(built), "the agent jar is not built: " + built);
        // The build tree may sit under a directory nobody cannot enter; /tmp (java.io.tmpdir) is open to all.
        dir = Files.createTempDirectory(Path.of("/tmp"), "jreclaim-doctor-it-");
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        jar = dir.resolve("jreclaim-agent.jar");
        Files.copy(built, jar);
        Files.setPosixFilePermissions(jar, PosixFilePermissions.fromString("rw-r--r--"));
    }

    @AfterAll
    static void removeCopy() throws IOException {
        if (dir != null) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    static Run run(List<String> command) throws IOException, InterruptedException {
        Path output = Files.createTempFile(dir, "doctor-", ".out");
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(output.toFile()).start();
        if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly().waitFor();
            fail("doctor did not finish within " + TIMEOUT + " (killed): " + String.join(" ", command) + "\n"
                    + Files.readString(output));
        }
        Run r = new Run(command, p.exitValue(), Files.readAllLines(output));
        System.out.println(r);
        return r;
    }

    static List<String> doctor(List<String> wrappers, String... jvmArgs) {
        List<String> c = new ArrayList<>(wrappers);
        c.add(JAVA.toString());
        c.addAll(List.of(jvmArgs));
        c.addAll(List.of("-jar", jar.toString(), "doctor"));
        return c;
    }

    static List<String> asNobody() {
        return List.of(SETPRIV.toString(), "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups");
    }

    static String denyUserfaultfd() {
        Path d = Path.of(System.getProperty("test.jreclaim.native"), "deny-userfaultfd");
        assertTrue(Files.isExecutable(d), "the seccomp test helper was not built: " + d);
        return d.toString();
    }

    static void assumeRoot() {
        assumeTrue(HostChecks.procStatus().euid().orElse(-1) == 0,
                "needs euid 0 (root): to switch to uid 65534 with setpriv, and for the full userfaultfd");
    }

    static void assumeSetpriv() {
        assumeRoot();
        assumeTrue(Files.isExecutable(SETPRIV), "needs " + SETPRIV + " (util-linux) to run doctor as uid 65534");
    }

    /** The unprivileged cases expect nobody to get no full userfaultfd: the host must not hand one out. */
    static void assumeNobodyHasNoFullUserfaultfd() throws IOException {
        assumeTrue("0".equals(HostChecks.read(HostChecks.UNPRIVILEGED_USERFAULTFD).orElse("")),
                "needs vm.unprivileged_userfaultfd=0 (otherwise uid 65534 gets the full system call)");
        Path dev = Path.of(UffdAbi.DEVICE);
        if (Files.exists(dev)) {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dev);
            assumeTrue(!perms.contains(PosixFilePermission.OTHERS_READ) && !perms.contains(PosixFilePermission.OTHERS_WRITE),
                    "needs " + dev + " closed to other users (it is " + PosixFilePermissions.toString(perms) + ")");
        }
    }

    static void assertEveryProbeReadCorrectBytes(Run r) {
        Pattern purged = Pattern.compile("(\\d+) pages, (\\d+) purged");
        for (String source : SOURCES) {
            String v = r.value("probe " + source);
            Matcher m = purged.matcher(v);
            assertTrue(m.find(), "probe " + source + ": " + v);
            assertTrue(Long.parseLong(m.group(2)) > 0, "probe " + source + " purged nothing: " + v);
            assertTrue(v.endsWith(" 0 wrong bytes") || v.contains(" 0 wrong bytes after lock"), "probe " + source + ": " + v);
        }
        assertTrue(r.value("probe POISON").contains("lock PURGED"), r.value("probe POISON"));
    }

    @Test
    void rootGetsFullModeAndEveryByteBack() throws Exception {
        assumeRoot();
        Userfaultfd.Attempt syscall = Userfaultfd.probe().syscall();
        assumeTrue(syscall.ok(), "needs the userfaultfd system call for root here; it is " + syscall.outcome());
        Run r = run(doctor(List.of()));
        r.assertOnlyDoctorLines();
        assertEquals(0, r.exit(), r.toString());
        assertEquals("doctor: OK", r.last());
        assertEquals("enabled", r.value("native access"));
        assertEquals("available", r.value("userfaultfd syscall"));
        assertTrue(r.value("mode").startsWith("full (userfaultfd system call)"), r.value("mode"));
        assertEquals("yes", r.value("feature PAGEFAULT_FLAG_WP"));
        assertEveryProbeReadCorrectBytes(r);
        assertTrue(r.value("probe I/O unpinned write").startsWith("ok, 0 wrong bytes"), r.toString());
        assertEquals("ok, 0 wrong bytes", r.value("probe I/O pinned write"));
    }

    @Test
    void nobodyGetsUserModeOnlyWhereUnpinnedIoFailsWithEfault() throws Exception {
        assumeSetpriv();
        assumeNobodyHasNoFullUserfaultfd();
        Run r = run(doctor(asNobody()));
        r.assertOnlyDoctorLines();
        assertEquals(0, r.exit(), r.toString());
        assertEquals("doctor: OK", r.last());
        assertEquals(NOBODY, r.value("euid"));
        assertTrue(r.value("userfaultfd syscall").startsWith("refused: EPERM"), r.toString());
        assertEquals("available", r.value("userfaultfd user-mode-only"));
        assertTrue(r.value("mode").startsWith("user-mode-only"), r.value("mode"));
        assertTrue(r.value("mode").contains("EFAULT") && r.value("mode").contains("the agent pins every JDK path")
                && r.value("mode").contains("jreclaim.uffd.mode=auto runs the agent in this mode")
                && r.value("mode").contains("Unguarded: system calls made by the application's own JNI or FFM code"),
                r.value("mode"));
        assertEveryProbeReadCorrectBytes(r);
        assertTrue(r.value("probe I/O unpinned write").startsWith("EFAULT (Bad address), as expected in user-mode-only mode"),
                r.toString());
        assertEquals("ok, 0 wrong bytes", r.value("probe I/O pinned write"));
    }

    @Test
    void nobodyUnderSeccompIsUnavailableAndToldWhatToChange() throws Exception {
        assumeSetpriv();
        assumeNobodyHasNoFullUserfaultfd();
        List<String> wrappers = new ArrayList<>(List.of(denyUserfaultfd()));
        wrappers.addAll(asNobody());
        Run r = run(doctor(wrappers));
        r.assertOnlyDoctorLines();
        assertTrue(r.exit() != 0, r.toString());
        assertTrue(r.last().startsWith("doctor: UNAVAILABLE: "), r.toString());
        assertTrue(r.last().contains("EPERM") && r.last().contains("seccomp"), r.last());
        assertTrue(r.last().contains("--security-opt seccomp="), r.last());
        assertTrue(r.last().contains(UffdAbi.DEVICE), r.last());
        assertEquals("filter", r.value("seccomp"));
        assertTrue(r.value("userfaultfd user-mode-only").startsWith("refused: EPERM"), r.toString());
    }

    @Test
    void rootUnderSeccompUsesTheDevice() throws Exception {
        assumeRoot();
        assumeTrue(Files.exists(Path.of(UffdAbi.DEVICE)), "needs " + UffdAbi.DEVICE + " (Linux 6.1)");
        Run r = run(doctor(List.of(denyUserfaultfd())));
        r.assertOnlyDoctorLines();
        assertEquals(0, r.exit(), r.toString());
        assertEquals("doctor: OK", r.last());
        assertTrue(r.value("userfaultfd syscall").startsWith("refused: EPERM"), r.toString());
        assertEquals("available", r.value("userfaultfd device"));
        assertTrue(r.value("mode").startsWith("full (/dev/userfaultfd)"), r.value("mode"));
        assertEveryProbeReadCorrectBytes(r);
        assertTrue(r.value("probe I/O unpinned write").startsWith("ok, 0 wrong bytes"), r.toString());
    }

    @Test
    void java17GetsOneLine() throws Exception {
        assumeTrue(Files.isExecutable(JAVA_17), "needs a JDK 17 at " + JAVA_17);
        Run r = run(List.of(JAVA_17.toString(), "-jar", jar.toString(), "doctor"));
        assertEquals(1, r.lines().size(), r.toString());
        assertTrue(r.last().startsWith("doctor: UNAVAILABLE: ") && r.last().contains("Java 25"), r.last());
        assertTrue(r.exit() != 0, r.toString());
    }

    @Test
    void deniedNativeAccessIsUnavailableWithTheFlagToAdd() throws Exception {
        Run r = run(List.of(JAVA.toString(), "--illegal-native-access=deny", "-cp", jar.toString(),
                "dev.jreclaim.bootstrap.AgentMain", "doctor"));
        r.assertOnlyDoctorLines();
        assertTrue(r.value("native access").startsWith("not enabled"), r.toString());
        assertEquals(Doctor.EXIT_UNAVAILABLE, r.exit(), r.toString());
        assertTrue(r.last().startsWith("doctor: UNAVAILABLE: ") && r.last().contains("--enable-native-access=ALL-UNNAMED"),
                r.last());
    }

    /**
     * A fault answered only after 120 s (injected) stands for a fault service that never answers. The
     * watchdog must print the verdict and end the JVM after 2 s, although the stuck thread blocks every
     * safepoint (Runtime.halt would wait for it); exit 142 would mean only the SIGALRM backstop ended it.
     */
    @Test
    void watchdogEndsAProbeThatHangs() throws Exception {
        assumeRoot();
        Run r = run(doctor(List.of(), "-D" + Doctor.TIMEOUT_PROPERTY + "=2", "-D" + Doctor.TEST_FAULT_DELAY_PROPERTY + "=120000"));
        r.assertOnlyDoctorLines();
        assertEquals(Doctor.EXIT_HUNG, r.exit(), r.toString());
        assertTrue(r.last().startsWith("doctor: UNAVAILABLE: the live probe did not finish within 2 s"), r.last());
        assertTrue(r.lines().stream().noneMatch(l -> l.equals("doctor: OK")), r.toString());
    }
}
