package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.Accounting;
import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.zip.CRC32;

/**
 * A child program (IncompressibleSnapshotIT): {@code count mib [agent]}, direct buffers of random bytes.
 * With the agent ({@code agent}), each range is marked (its rule is explicit, rebuild:snapshot) and purged; every buffer is then
 * read back and compared (CRC32 of the bytes written). Without it, the same buffers are written and read. Prints
 * {@code RESULT wrong=<n> snapshot-bytes=<n> kept-bytes=<n> volatile-bytes=<n> incompressible=<n>} (the
 * figures 0 without the agent) and exits 1 on a wrong buffer.
 */
public final class IncompressibleBuffers {
    private IncompressibleBuffers() {}

    public static void main(String[] args) {
        int count = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]) << 20;
        boolean agent = args.length > 2 && args[2].equals("agent"); // without it the agent's classes are absent
        SplittableRandom random = new SplittableRandom(42);
        byte[] block = new byte[size];
        List<ByteBuffer> buffers = new ArrayList<>();
        long[] crcs = new long[count];
        for (int i = 0; i < count; i++) {
            random.nextBytes(block);
            CRC32 crc = new CRC32();
            crc.update(block);
            crcs[i] = crc.getValue();
            ByteBuffer b = ByteBuffer.allocateDirect(size);
            b.put(0, block);
            buffers.add(b);
            if (agent) {
                WithAgent.markAndPurge(b, i);
            }
        }
        long wrong = 0;
        for (int i = 0; i < count; i++) {
            buffers.get(i).get(0, block);
            CRC32 crc = new CRC32();
            crc.update(block);
            wrong += crc.getValue() == crcs[i] ? 0 : 1;
        }
        System.out.println("RESULT wrong=" + wrong + (agent ? WithAgent.figures()
                : " snapshot-bytes=0 kept-bytes=0 volatile-bytes=0 incompressible=0"));
        System.exit(wrong == 0 ? 0 : 1);
    }

    private static final class WithAgent {
        static void markAndPurge(ByteBuffer b, int i) {
            VolatileRange r = ReclaimRuntime.current().rangeAt(MemorySegment.ofBuffer(b).address());
            if (r == null) {
                System.out.println("buffer " + i + " is not the agent's memory");
                System.exit(2);
            }
            r.mark();
            r.purge();
        }

        static String figures() {
            FaultCounters c = ReclaimRuntime.current().registry().counters();
            Accounting a = ReclaimRuntime.current().registry().accounting();
            return " snapshot-bytes=" + c.snapshots().heldBytes() + " kept-bytes=" + a.keptBytes() + " volatile-bytes="
                    + a.volatileBytes() + " incompressible=" + c.snapshots().incompressible();
        }
    }
}
