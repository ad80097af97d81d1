package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * A child program (JfrEventsIT), run with the agent and a recording: one 1 MiB direct buffer, filled,
 * marked, purged until no page is resident, read back whole, locked. It waits a few sampler periods
 * after the purge (so PurgeDetected sees the pages gone before the reads bring them back) and after the
 * reads (so FaultBatch samples them). Prints the range's id and what it saw; exit 1 on a wrong byte.
 */
public final class JfrEventsChild {
    static final int SIZE = 1 << 20;

    private JfrEventsChild() {}

    public static void main(String[] args) throws InterruptedException {
        long settleMillis = Long.parseLong(args[0]);
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        for (int i = 0; i < SIZE; i++) {
            b.put(i, PurgeThroughJdkMemory.value(i));
        }
        VolatileRange r = ReclaimRuntime.current().rangeAt(MemorySegment.ofBuffer(b).address());
        System.out.println("range " + r.id() + " " + r.byteSize());
        System.out.println("event classes' loader: " + dev.jreclaim.agent.jfr.RangeEvents.class.getClassLoader());
        r.mark();
        for (int i = 0; i < 20 && r.stats().residentBytes() > 0; i++) {
            r.purge();
        }
        System.out.println("resident after purge " + r.stats().residentBytes());
        Thread.sleep(settleMillis);
        int wrong = 0;
        for (int i = 0; i < SIZE; i++) {
            if (b.get(i) != PurgeThroughJdkMemory.value(i)) {
                wrong++;
            }
        }
        System.out.println("lock " + r.lock());
        System.out.println("pages restored " + r.stats().pagesRestored() + ", wrong bytes " + wrong);
        Thread.sleep(settleMillis);
        System.exit(wrong == 0 ? 0 : 1);
    }
}
