package dev.jreclaim.agent.runtime;

import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A child program (ExhaustionIT), run with the agent under lowered limits: allocates {@code args[0]} direct
 * buffers of {@code args[1]} bytes, writes a per-buffer pattern into every byte, reads it all back, and
 * prints "agent A plain P wrong W fallbacks F" (A buffers the agent holds as ranges, P plain JDK memory).
 */
public final class ExhaustedBuffers {
    private ExhaustedBuffers() {}

    public static void main(String[] args) {
        int count = Integer.parseInt(args[0]), size = Integer.parseInt(args[1]);
        ReclaimRuntime runtime = ReclaimRuntime.current();
        if (runtime == null) {
            System.out.println("no agent");
            System.exit(2);
        }
        List<ByteBuffer> buffers = new ArrayList<>();
        int agent = 0, plain = 0;
        for (int i = 0; i < count; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(size);
            for (int j = 0; j < size; j += 8) {
                b.putLong(j, pattern(i, j));
            }
            if (runtime.rangeAt(MemorySegment.ofBuffer(b).address()) != null) {
                agent++;
            } else {
                plain++;
            }
            buffers.add(b);
        }
        long wrong = 0;
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < size; j += 8) {
                wrong += buffers.get(i).getLong(j) != pattern(i, j) ? 1 : 0;
            }
        }
        System.out.println("agent " + agent + " plain " + plain + " wrong " + wrong + " fallbacks "
                + runtime.totals().fallbacks());
    }

    static long pattern(int buffer, int offset) {
        return (buffer * 0x9E3779B97F4A7C15L) ^ offset;
    }
}
