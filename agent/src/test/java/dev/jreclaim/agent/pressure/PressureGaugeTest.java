package dev.jreclaim.agent.pressure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import dev.jreclaim.agent.cgroup.TestCgroups;
import dev.jreclaim.agent.config.Headroom;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The level's thresholds and margins, and the signal read from the kernel's own files. */
class PressureGaugeTest {
    static final long H = 100;

    @Test
    void levelsWithTheirMargins() {
        assertEquals(PressureLevel.NONE, PressureLevel.next(PressureLevel.NONE, 100, H));
        assertEquals(PressureLevel.SHORT, PressureLevel.next(PressureLevel.NONE, 99, H));
        assertEquals(PressureLevel.SHORT, PressureLevel.next(PressureLevel.SHORT, 124, H), "clears only at 1.25 H");
        assertEquals(PressureLevel.NONE, PressureLevel.next(PressureLevel.SHORT, 125, H));
        assertEquals(PressureLevel.CRITICAL, PressureLevel.next(PressureLevel.NONE, 24, H));
        assertEquals(PressureLevel.CRITICAL, PressureLevel.next(PressureLevel.CRITICAL, 49, H), "clears only at H/2");
        assertEquals(PressureLevel.SHORT, PressureLevel.next(PressureLevel.CRITICAL, 50, H));
        assertEquals(PressureLevel.NONE, PressureLevel.next(PressureLevel.CRITICAL, 200, H));
    }

    @Test
    void thisProcessSignalReadsSomethingSensible() {
        MemorySignal s = MemorySignal.ofThisProcess();
        MemoryReading r = s.read(Headroom.DEFAULT);
        assertTrue(r.limitBytes() > 0 && r.availableBytes() >= 0 && r.availableBytes() <= r.limitBytes(),
                s.describe() + ": " + r);
    }

    @Test
    void aRealCgroupsLimitAndUsage() throws IOException {
        MemoryCgroup cg = TestCgroups.childOrSkip("jreclaim-gauge", 64L << 20);
        try (cg) {
            CgroupSignal s = new CgroupSignal(cg.version(), List.of(cg.path()));
            MemoryReading r = s.read(Headroom.DEFAULT);
            assertEquals(64L << 20, r.limitBytes(), s.describe());
            assertEquals((64L << 20) - Math.max(0, cg.usageBytes()), r.availableBytes(), 1 << 20, "no process in it: " + r);
            PressureGauge g = new PressureGauge(s, new Headroom(90, 0));
            assertEquals(PressureLevel.NONE, g.poll(), "nothing used: " + r);
            assertEquals(0, g.rises());
            assertEquals(1, g.polls());
            assertEquals((64L << 20) / 100 * 90, g.headroomBytes());
        }
    }
}
