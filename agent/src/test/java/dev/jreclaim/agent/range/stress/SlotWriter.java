package dev.jreclaim.agent.range.stress;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/**
 * One writer's slots: a long of its own in every page of a range, which it increments over and
 * over while it counts its increments in Java. Before each increment it checks that the slot still
 * holds its last write; at the end every slot must equal its count. A lost write shows either way.
 * Used by one thread at a time; read the figures after joining it.
 */
final class SlotWriter {
    private final int index;
    private final long pageSize;
    private final long[] counts;
    private long writes;
    private long lostWrites;
    private String firstLoss;

    /** Slot offsets are {@code page * pageSize + index * 64}: writers never share a cache line. */
    SlotWriter(int index, long pages, long pageSize) {
        if (index < 0 || (index + 1) * 64L > pageSize) {
            throw new IllegalArgumentException("writer index " + index + " has no slot in a " + pageSize + " B page");
        }
        this.index = index;
        this.pageSize = pageSize;
        this.counts = new long[Math.toIntExact(pages)];
    }

    static boolean isSlot(long offset, int writers, long pageSize) {
        long inPage = offset % pageSize;
        return inPage % 64 == 0 && inPage / 64 < writers;
    }

    long offset(int page) {
        return page * pageSize + index * 64L;
    }

    /**
     * Increments {@code n} slots picked at random. Random, sparse writes leave most pages clean between two
     * writes, so they get marked and purged in between: the next write then races a restore or a mark.
     */
    void writeSome(MemorySegment s, SplittableRandom random, int n) {
        for (int i = 0; i < n; i++) {
            int p = random.nextInt(counts.length);
            long off = offset(p);
            long v = s.get(JAVA_LONG, off);
            if (v != counts[p]) {
                if (lostWrites++ == 0) {
                    firstLoss = "writer " + index + " page " + p + ": slot held " + v + ", its last write was " + counts[p]
                            + " (after " + writes + " writes)";
                }
            }
            s.set(JAVA_LONG, off, counts[p] + 1);
            counts[p]++;
            writes++;
        }
    }

    /** Counts the slots whose content differs from their count, describing the first ones in {@code why}. */
    long wrongSlots(MemorySegment s, StringBuilder why) {
        long wrong = 0;
        for (int p = 0; p < counts.length; p++) {
            long v = s.get(JAVA_LONG, offset(p));
            if (v != counts[p] && wrong++ < 10) {
                why.append("writer ").append(index).append(" page ").append(p).append(": slot holds ").append(v)
                        .append(", expected ").append(counts[p]).append('\n');
            }
        }
        return wrong;
    }

    long writes() {
        return writes;
    }

    long lostWrites() {
        return lostWrites;
    }

    String firstLoss() {
        return firstLoss;
    }
}
