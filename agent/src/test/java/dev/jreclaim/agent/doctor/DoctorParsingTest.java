package dev.jreclaim.agent.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.linux.Errno;
import dev.jreclaim.agent.linux.Userfaultfd.Attempt;
import dev.jreclaim.agent.linux.Userfaultfd.Mode;
import dev.jreclaim.agent.linux.Userfaultfd.Probe;
import org.junit.jupiter.api.Test;

/** The pure logic behind doctor's lines: sysfs choices, byte comparison, the UNAVAILABLE reasons. */
class DoctorParsingTest {
    @Test
    void thpModeIsTheBracketedChoice() {
        assertEquals("madvise", HostChecks.selectedThpMode("always [madvise] never"));
        assertEquals("always", HostChecks.selectedThpMode("[always] madvise never\n"));
        assertEquals("never", HostChecks.selectedThpMode("always madvise [never]"));
        assertEquals("odd", HostChecks.selectedThpMode(" odd "));
    }

    @Test
    void wrongBytesCountsDifferingBytes() {
        assertEquals(0, LiveProbe.wrongBytes(0x1122334455667788L, 0x1122334455667788L));
        assertEquals(1, LiveProbe.wrongBytes(0x1122334455667788L, 0x1122334455667789L));
        assertEquals(2, LiveProbe.wrongBytes(0x1122334455667788L, 0x9922334455667789L));
        assertEquals(8, LiveProbe.wrongBytes(-1L, 0L));
    }

    @Test
    void patternDiffersBetweenPagesWordsAndSeeds() {
        assertTrue(LiveProbe.pattern(1, 0) != LiveProbe.pattern(1, 4096));
        assertTrue(LiveProbe.pattern(1, 0) != LiveProbe.pattern(1, 8));
        assertTrue(LiveProbe.pattern(1, 0) != LiveProbe.pattern(2, 0));
        assertTrue(LiveProbe.pattern(1, 0) != 0);
    }

    private static Probe probe(int syscall, int device, int userModeOnly) {
        return new Probe(new Attempt(Mode.FULL_SYSCALL, syscall == 0 ? 3 : -1, syscall),
                new Attempt(Mode.FULL_DEVICE, device == 0 ? 4 : -1, device),
                new Attempt(Mode.USER_MODE_ONLY, userModeOnly == 0 ? 5 : -1, userModeOnly), 0x1ffff, 0, 0);
    }

    @Test
    void userModeOnlyIsEnough() {
        assertTrue(UserfaultfdChecks.unavailableReason(probe(Errno.EPERM, Errno.EACCES, 0), ProcStatus.parse("")).isEmpty());
    }

    @Test
    void seccompDenialNamesSeccompAndTheFixes() {
        String r = UserfaultfdChecks.unavailableReason(probe(Errno.EPERM, Errno.EACCES, Errno.EPERM),
                ProcStatus.parse("Seccomp:\t2\n")).orElseThrow();
        assertTrue(r.contains("EPERM"), r);
        assertTrue(r.contains("seccomp filter denies it (this process runs under one)"), r);
        assertTrue(r.contains("--security-opt seccomp="), r);
        assertTrue(r.contains("let this user open /dev/userfaultfd"), r);
    }

    @Test
    void oldKernelNamesTheSysctlAndCapability() {
        String r = UserfaultfdChecks.unavailableReason(probe(Errno.EPERM, Errno.ENOENT, Errno.EINVAL),
                ProcStatus.parse("")).orElseThrow();
        assertTrue(r.contains("vm.unprivileged_userfaultfd=1"), r);
        assertTrue(r.contains("CAP_SYS_PTRACE"), r);
        assertTrue(r.contains("--device /dev/userfaultfd"), r);
    }

    @Test
    void deniedNativeAccessIsRecognisedThroughCauses() {
        assertTrue(Doctor.deniedNativeAccess(new ExceptionInInitializerError(new IllegalCallerException("x"))));
        assertTrue(!Doctor.deniedNativeAccess(new IllegalStateException("y")));
    }
}
