package dev.jreclaim.samples.pressure;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class WorkingSetReportTest {
    @Test
    void lineParsesBackToTheSameReport() {
        WorkingSetReport r = new WorkingSetReport(WorkingSetMode.RECLAIMABLE, 1L << 30, 64, 3, 0, 16384, 49152, 786432,
                12_336_092, 292_569_088, 3048, new long[] {2659, 1460, 2063});
        WorkingSetReport back = WorkingSetReport.parse(r.line()).orElseThrow();
        assertEquals(r.line(), back.line());
        assertArrayEquals(r.passMillis(), back.passMillis());
        assertEquals(6182, back.readMillis());
        assertEquals(87, Math.round(back.compressionRatio()));
    }

    @Test
    void otherLinesAreNotReports() {
        assertTrue(WorkingSetReport.parse("  read pass 1: 0 wrong bytes").isEmpty());
        assertTrue(WorkingSetReport.parse("RESULT mode=reclaimable bytes=12").isEmpty());
    }
}
