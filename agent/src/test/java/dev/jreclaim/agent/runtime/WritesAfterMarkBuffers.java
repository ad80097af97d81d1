package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.Accounting;
import dev.jreclaim.agent.range.FaultCounters;
import dev.jreclaim.agent.range.RangeStats;
import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.agent.rules.RulePolicy;
import dev.jreclaim.testapp.WrittenSite;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A child program (WritesAfterMarkIT): {@code count mib rounds pace-ms [agent]}. Each of {@code count} direct buffers
 * of {@code mib} MiB is filled inside {@code dev.jreclaim.testapp.WrittenSite#load} (the on-return rule's site, so
 * the agent marks it when load returns), then every buffer is written again, whole, {@code rounds} times, one buffer every {@code pace-ms}: writes
 * after the mark, as a cache that updates its entries in place does. After each round every word of every buffer is
 * read back and compared with what was last written. Prints one {@code ROUND} line per round and
 * {@code RESULT wrong=<words> written-max=<bytes> first-buffer-written=<bytes> remarks=<n> first-writes=<n>
 * volatile=<bytes> written=<bytes>} (the agent's figures 0 without it), and exits 1 on a wrong word.
 */
public final class WritesAfterMarkBuffers {
    private static final int PAGE = 4096;

    private WritesAfterMarkBuffers() {}

    /** One value per page: LZ4 makes a snapshot of it tiny, and every page, buffer and round differs. */
    static long value(int buffer, int round, int page) {
        return ((long) buffer << 40) ^ ((long) round << 24) ^ page ^ 0x5DEECE66DL;
    }

    static void write(ByteBuffer b, int buffer, int round) {
        for (int page = 0; page < b.capacity() / PAGE; page++) {
            long v = value(buffer, round, page);
            for (int off = 0; off < PAGE; off += 8) {
                b.putLong(page * PAGE + off, v);
            }
        }
    }

    static long wrongWords(ByteBuffer b, int buffer, int round) {
        long wrong = 0;
        for (int page = 0; page < b.capacity() / PAGE; page++) {
            long v = value(buffer, round, page);
            for (int off = 0; off < PAGE; off += 8) {
                wrong += b.getLong(page * PAGE + off) == v ? 0 : 1;
            }
        }
        return wrong;
    }

    public static void main(String[] args) throws Exception {
        int count = Integer.parseInt(args[0]);
        int size = Integer.parseInt(args[1]) << 20;
        int rounds = Integer.parseInt(args[2]);
        long pace = Long.parseLong(args[3]);
        boolean agent = args.length > 4 && args[4].equals("agent"); // without it the agent's classes are absent
        ByteBuffer[] buffers = new ByteBuffer[count];
        for (int i = 0; i < count; i++) {
            buffers[i] = WrittenSite.load(size, (b, n) -> write(b, n, 0), i);
        }
        if (agent) {
            WithAgent.settle(buffers);
        }
        long wrong = 0, writtenMax = 0, firstBufferWritten = -1;
        for (int round = 1; round <= rounds; round++) {
            for (int i = 0; i < count; i++) {
                write(buffers[i], i, round);
                if (agent) {
                    if (round == 1 && i == 0) {
                        firstBufferWritten = WithAgent.stats(buffers[0]).writtenBytes();
                    }
                    if (i % 8 == 7) {
                        writtenMax = Math.max(writtenMax, WithAgent.accounting().writtenBytes());
                    }
                }
                Thread.sleep(pace);
            }
            long roundWrong = 0;
            for (int i = 0; i < count; i++) {
                roundWrong += wrongWords(buffers[i], i, round);
            }
            wrong += roundWrong;
            System.out.println("ROUND " + round + " wrong=" + roundWrong + (agent ? " " + WithAgent.figures() : ""));
        }
        System.out.println("RESULT wrong=" + wrong + " written-max=" + writtenMax + " first-buffer-written="
                + firstBufferWritten + (agent ? " " + WithAgent.figures()
                        : " remarks=0 first-writes=0 volatile=0 written=0"));
        System.exit(wrong == 0 ? 0 : 1);
    }

    private static final class WithAgent {
        static VolatileRange range(ByteBuffer b) {
            VolatileRange r = ReclaimRuntime.current().rangeAt(MemorySegment.ofBuffer(b).address());
            if (r == null) {
                System.out.println("a buffer is not the agent's memory");
                System.exit(2);
            }
            return r;
        }

        /** Every buffer marked by its site's return before the writes after the mark begin. */
        static void settle(ByteBuffer[] buffers) throws InterruptedException {
            ReclaimRuntime.current().policy().awaitPendingMarks();
            for (ByteBuffer b : buffers) {
                if (range(b).stats().marks() == 0) {
                    System.out.println("a buffer was not marked at its site's return");
                    System.exit(2);
                }
            }
        }

        static RangeStats stats(ByteBuffer b) {
            return range(b).stats();
        }

        static Accounting accounting() {
            return ReclaimRuntime.current().registry().accounting();
        }

        static String figures() {
            FaultCounters c = ReclaimRuntime.current().registry().counters();
            Accounting a = accounting();
            long remarks = ReclaimRuntime.current().policy() instanceof RulePolicy p ? p.remarksAfterWrites() : -1;
            return "remarks=" + remarks + " first-writes=" + c.firstWrites() + " volatile=" + a.volatileBytes()
                    + " written=" + a.writtenBytes();
        }
    }
}
