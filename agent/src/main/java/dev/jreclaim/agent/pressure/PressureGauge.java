package dev.jreclaim.agent.pressure;

import dev.jreclaim.agent.config.Headroom;

/**
 * The pressure level the mark-when=pressure rules follow: {@link #poll} reads the {@link MemorySignal} (one thread
 * polls: the pressure marker's, every few milliseconds), {@link #level} is one volatile read for every other
 * thread. Counts its own cost: polls and the nanoseconds they took.
 */
public final class PressureGauge {
    private final MemorySignal signal;
    private final Headroom headroom;
    private volatile PressureLevel level = PressureLevel.NONE;
    private volatile long availableBytes = Long.MAX_VALUE;
    private volatile long limitBytes = Long.MAX_VALUE;
    private volatile long polls;
    private volatile long pollNanos;
    private volatile long rises;
    private volatile long criticals;

    public PressureGauge(MemorySignal signal, Headroom headroom) {
        this.signal = signal;
        this.headroom = headroom;
    }

    /** Reads the signal now and moves the level; returns the new level. */
    public synchronized PressureLevel poll() {
        long t0 = System.nanoTime();
        MemoryReading r = signal.read(headroom);
        PressureLevel before = level;
        PressureLevel now = PressureLevel.next(before, r.availableBytes(), headroom.of(r.limitBytes()));
        availableBytes = r.availableBytes();
        limitBytes = r.limitBytes();
        if (!before.isShort() && now.isShort()) {
            rises++;
        }
        if (before != PressureLevel.CRITICAL && now == PressureLevel.CRITICAL) {
            criticals++;
        }
        level = now;
        pollNanos += System.nanoTime() - t0;
        polls++;
        return now;
    }

    public PressureLevel level() {
        return level;
    }

    public long availableBytes() {
        return availableBytes;
    }

    public long limitBytes() {
        return limitBytes;
    }

    /** The headroom in bytes under the last limit read. */
    public long headroomBytes() {
        long l = limitBytes;
        return l == Long.MAX_VALUE ? 0 : headroom.of(l);
    }

    public long polls() {
        return polls;
    }

    public long pollNanos() {
        return pollNanos;
    }

    /** Times the level went from NONE to SHORT or CRITICAL. */
    public long rises() {
        return rises;
    }

    /** Times the level became CRITICAL. */
    public long criticals() {
        return criticals;
    }

    public String describe() {
        return "headroom " + headroom + " of " + signal.describe();
    }
}
