package dev.jreclaim.agent.runtime;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;

import dev.jreclaim.agent.range.RangeStats;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A child program (AgentPurgeIT), run with the agent: fill a direct buffer and arena segments through
 * the JDK's own API, mark and purge their ranges, read every byte back through the JDK's API. Prints one
 * line per case; exits with status 1 on the first wrong byte.
 */
public final class PurgeThroughJdkMemory {
    static final int SIZE = (1 << 20) + 123;

    private PurgeThroughJdkMemory() {}

    /** Compressible (one value per 64-byte line) yet different on every page. */
    static byte value(long i) {
        return (byte) ((i / 4096) * 31 + (i % 4096) / 64);
    }

    public static void main(String[] args) {
        ReclaimRuntime runtime = ReclaimRuntime.current();
        if (runtime == null) {
            System.out.println("no agent");
            System.exit(2);
        }

        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        for (int i = 0; i < SIZE; i++) {
            b.put(i, value(i));
        }
        check("direct buffer", runtime.rangeAt(MemorySegment.ofBuffer(b).address()), i -> b.get((int) i));

        try (Arena arena = Arena.ofShared()) {
            MemorySegment s = arena.allocate(SIZE);
            for (long i = 0; i < SIZE; i++) {
                s.set(JAVA_BYTE, i, value(i));
            }
            check("shared arena segment", runtime.rangeAt(s.address()), i -> s.get(JAVA_BYTE, i));
        }

        byte[] content = new byte[SIZE];
        for (int i = 0; i < SIZE; i++) {
            content[i] = value(i);
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment s = arena.allocateFrom(JAVA_BYTE, content);
            VolatileRange r = runtime.rangeAt(s.address());
            check("confined arena allocateFrom", r, i -> s.get(JAVA_BYTE, i));
        }
        System.out.println("live ranges after close: " + runtime.totals().liveRanges());
    }

    interface Reader {
        byte at(long i);
    }

    static void check(String what, VolatileRange r, Reader reader) {
        if (r == null) {
            System.out.println(what + ": not the agent's memory");
            System.exit(1);
        }
        r.mark();
        r.purge();
        RangeStats purged = r.stats();
        long wrong = 0;
        for (long i = 0; i < SIZE; i++) {
            wrong += reader.at(i) == value(i) ? 0 : 1;
        }
        RangeStats after = r.stats();
        System.out.println(what + ": " + r.byteSize() + " bytes, resident after purge " + purged.residentBytes()
                + ", purged " + purged.purgedBytes() + ", pages restored " + after.pagesRestored() + ", faults "
                + after.faults() + ", wrong bytes " + wrong);
        if (wrong != 0) {
            System.exit(1);
        }
    }
}
