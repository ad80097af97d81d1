package dev.jreclaim.agent.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProcStatusTest {
    static final String ROOT = """
            Name:\tjava
            Uid:\t0\t0\t0\t0
            Gid:\t0\t0\t0\t0
            CapInh:\t0000000000000000
            CapPrm:\t000001fffeffffff
            CapEff:\t000001fffeffffff
            NoNewPrivs:\t0
            Seccomp:\t0
            Seccomp_filters:\t0
            """;

    @Test
    void rootHasSysPtrace() {
        ProcStatus s = ProcStatus.parse(ROOT);
        assertEquals(0, s.euid().getAsInt());
        assertEquals(0x1fffeffffffL, s.capEff().getAsLong());
        assertEquals(Optional.of(true), s.hasCapability(ProcStatus.CAP_SYS_PTRACE));
        assertEquals("disabled", s.seccompMode());
    }

    @Test
    void effectiveUidIsTheSecondField() {
        ProcStatus s = ProcStatus.parse("Uid:\t1000\t65534\t65534\t65534\nCapEff:\t0000000000000000\nSeccomp:\t2\n");
        assertEquals(65534, s.euid().getAsInt());
        assertEquals(Optional.of(false), s.hasCapability(ProcStatus.CAP_SYS_PTRACE));
        assertEquals("filter", s.seccompMode());
    }

    @Test
    void onlyBit19IsSysPtrace() {
        assertEquals(Optional.of(true), ProcStatus.parse("CapEff:\t0000000000080000\n").hasCapability(19));
        assertEquals(Optional.of(false), ProcStatus.parse("CapEff:\t000001fffff7ffff\n").hasCapability(19));
    }

    @Test
    void fullCapabilitySetParsesAsUnsigned() {
        assertEquals(Optional.of(true), ProcStatus.parse("CapEff:\tffffffffffffffff\n").hasCapability(19));
    }

    @Test
    void missingOrMalformedFieldsAreUnknown() {
        ProcStatus s = ProcStatus.parse("Name:\tx\nCapEff:\tzz\nUid:\n");
        assertTrue(s.euid().isEmpty());
        assertTrue(s.capEff().isEmpty());
        assertEquals(Optional.empty(), s.hasCapability(19));
        assertEquals("unknown", s.seccompMode());
    }
}
