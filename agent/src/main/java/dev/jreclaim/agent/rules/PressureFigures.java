package dev.jreclaim.agent.rules;

import dev.jreclaim.agent.pressure.PressureLevel;

/**
 * Deferred marking at one moment (mark-when=pressure rules; docs/observability.md).
 *
 * @param level            the pressure level now
 * @param availableBytes   free or cheaply reclaimable bytes under the limit at the last poll
 * @param headroomBytes    the headroom under that limit (jreclaim.pressure.headroom)
 * @param limitBytes       the limit that binds (Long.MAX_VALUE: none read)
 * @param deferredBytes    bytes of live ranges whose mark waits for memory to be short: ordinary memory, not yet
 *                         marked (on-return ranges waiting, plus idle ranges the idle marker's last look left unmarked)
 * @param deferredRanges   on-return ranges waiting now
 * @param everDeferred     on-return ranges that waited, since start
 * @param markedRanges     waiting ranges the pressure marker marked, since start
 * @param markedBytes      their bytes
 * @param backPressureRanges waiting ranges marked by an application thread at CRITICAL, since start
 * @param backPressureBytes  their bytes
 * @param rises            times the level rose from NONE
 * @param criticals        times it became CRITICAL
 * @param polls            polls of the memory signal
 * @param pollNanos        the time those polls took, in all
 * @param failures         batches that failed (a registry closed), and marker errors
 */
public record PressureFigures(PressureLevel level, long availableBytes, long headroomBytes, long limitBytes,
        long deferredBytes, long deferredRanges, long everDeferred, long markedRanges, long markedBytes,
        long backPressureRanges, long backPressureBytes, long rises, long criticals, long polls, long pollNanos,
        long failures) {
    /** No mark-when=pressure rule runs. */
    public static final PressureFigures NONE = new PressureFigures(PressureLevel.NONE, Long.MAX_VALUE, 0, Long.MAX_VALUE,
            0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0);
}
