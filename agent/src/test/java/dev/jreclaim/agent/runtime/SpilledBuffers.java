package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * A child program (SpilledSnapshotIT): {@code count mib}, direct buffers of compressible bytes (runs of 16 equal
 * bytes: LZ4 keeps about a fifth), each marked once written (its rule is explicit, rebuild:snapshot), none purged by
 * hand: the memory cgroup's pressure does it. Every buffer is then read back and compared (CRC32 of what was written).
 * Prints {@code SPILL <what RangeRegistry.spill() says>}, then {@code RESULT wrong=<n> snapshot-bytes=<n>
 * spilled-bytes=<n> spilled-chunks=<n> pages-rebuilt=<n> over-limit=<n>} and exits 1 on a wrong buffer.
 */
public final class SpilledBuffers {
    private SpilledBuffers() {}

    public static void main(String[] args) {
        int count = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]) << 20;
        System.out.println("SPILL " + ReclaimRuntime.current().registry().spill());
        byte[] block = new byte[size];
        List<ByteBuffer> buffers = new ArrayList<>();
        long[] crcs = new long[count];
        for (int i = 0; i < count; i++) {
            fill(block, i);
            CRC32 crc = new CRC32();
            crc.update(block);
            crcs[i] = crc.getValue();
            ByteBuffer b = ByteBuffer.allocateDirect(size);
            b.put(0, block);
            buffers.add(b);
            VolatileRange r = ReclaimRuntime.current().rangeAt(MemorySegment.ofBuffer(b).address());
            if (r == null) {
                System.out.println("buffer " + i + " is not the agent's memory");
                System.exit(2);
            }
            r.mark();
        }
        long wrong = 0;
        for (int i = 0; i < count; i++) {
            buffers.get(i).get(0, block);
            CRC32 crc = new CRC32();
            crc.update(block);
            wrong += crc.getValue() == crcs[i] ? 0 : 1;
        }
        FaultCounters c = ReclaimRuntime.current().registry().counters();
        System.out.println("RESULT wrong=" + wrong + " snapshot-bytes=" + c.snapshots().heldBytes() + " spilled-bytes="
                + c.snapshots().spill().heldBytes() + " spilled-chunks=" + c.snapshots().spill().chunks()
                + " pages-rebuilt=" + c.pagesRestored() + " over-limit=" + c.snapshots().overBudget());
        System.exit(wrong == 0 ? 0 : 1);
    }

    static void fill(byte[] block, int seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int j = 0; j < block.length; j += 16) {
            java.util.Arrays.fill(block, j, Math.min(block.length, j + 16), (byte) random.nextInt(256));
        }
    }
}
