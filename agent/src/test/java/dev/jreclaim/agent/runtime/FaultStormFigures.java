package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.jmx.Figures;
import dev.jreclaim.agent.jmx.ReclaimAgentMXBean;
import dev.jreclaim.agent.range.VolatileRange;
import java.lang.foreign.MemorySegment;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import javax.management.JMX;
import javax.management.ObjectName;

/**
 * A child program (AgentObservabilityIT): a fault storm (buffers marked, purged and read back by several threads
 * at once, some freed meanwhile), then the MBean's figures as a JMX client reads them. Run with the agent, a rule
 * 'all' (explicit, on-purge zero) and jreclaim.exit-summary=true, whose line must agree.
 */
public final class FaultStormFigures {
    static final int PAGE = 4096, PAGES = 64, BUFFERS = 16, THREADS = 4, ROUNDS = 5;

    private FaultStormFigures() {}

    public static void main(String[] args) throws Exception {
        ReclaimRuntime runtime = ReclaimRuntime.current();
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < BUFFERS; i++) {
            buffers.add(ByteBuffer.allocateDirect(PAGES * PAGE));
        }
        long wrong = 0;
        for (int round = 0; round < ROUNDS; round++) {
            for (ByteBuffer b : buffers) {
                VolatileRange r = runtime.rangeAt(MemorySegment.ofBuffer(b).address());
                r.lock();
                for (int p = 0; p < PAGES; p++) {
                    b.put(p * PAGE, (byte) 1);
                }
                r.mark();
                r.purge();
            }
            CountDownLatch go = new CountDownLatch(1);
            List<Thread> readers = new ArrayList<>();
            long[] nonZero = new long[THREADS];
            for (int t = 0; t < THREADS; t++) {
                int id = t;
                readers.add(Thread.ofPlatform().start(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        return;
                    }
                    for (ByteBuffer b : buffers) {
                        for (int p = 0; p < PAGES; p++) {
                            nonZero[id] += b.get(p * PAGE) != 0 ? 1 : 0; // purged to ZERO: reads 0
                        }
                    }
                }));
            }
            go.countDown();
            for (Thread t : readers) {
                t.join();
            }
            for (long n : nonZero) {
                wrong += n;
            }
        }
        // Half the storm's ranges are gone by the time anyone looks: the totals must still count their faults.
        java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
        f.setAccessible(true);
        sun.misc.Unsafe unsafe = (sun.misc.Unsafe) f.get(null);
        for (int i = 0; i < BUFFERS / 2; i++) {
            unsafe.invokeCleaner(buffers.get(i));
        }
        ReclaimAgentMXBean agent = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                new ObjectName("dev.jreclaim:type=Agent"), ReclaimAgentMXBean.class);
        Figures totals = agent.getTotals();
        long bySource = agent.getFaultsBySource().values().stream().mapToLong(Long::longValue).sum();
        System.out.println("non-zero reads " + wrong);
        System.out.println("mbean totals faults " + totals.getFaults() + ", by source " + bySource
                + ", rule 'all' faults " + agent.getRules().get("all").getFaults() + ", pages rebuilt "
                + totals.getPagesRebuilt());
    }
}
