package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.jmx.Figures;
import dev.jreclaim.agent.jmx.ReclaimAgentMXBean;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.foreign.MemorySegment;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.management.JMX;
import javax.management.ObjectName;

/**
 * A child program (AgentObservabilityIT), run with the agent: allocates {@link #BUFFERS} direct buffers of
 * {@link #PAGES} pages, writes every page, marks their ranges, prints the platform buffer pools and
 * "ready", then obeys stdin: {@code touch K} writes every page of the first K buffers, then prints the
 * figures it reads from its own platform MBeanServer's {@code dev.jreclaim:type=Agent}; {@code exit}.
 */
public final class ObservedBuffers {
    static final int BUFFERS = 4;
    static final int PAGES = 64;
    static final int PAGE = 4096;

    private ObservedBuffers() {}

    public static void main(String[] args) throws Exception {
        ReclaimRuntime runtime = ReclaimRuntime.current();
        if (runtime == null) {
            System.out.println("no agent");
            System.exit(2);
        }
        List<ByteBuffer> buffers = new ArrayList<>();
        for (int i = 0; i < BUFFERS; i++) {
            ByteBuffer b = ByteBuffer.allocateDirect(PAGES * PAGE);
            for (int p = 0; p < PAGES; p++) {
                b.put(p * PAGE, (byte) 1);
            }
            runtime.rangeAt(MemorySegment.ofBuffer(b).address()).mark();
            buffers.add(b);
        }
        System.out.println("pools: " + ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .map(BufferPoolMXBean::getName).collect(Collectors.joining(", ")));
        ReclaimAgentMXBean agent = JMX.newMXBeanProxy(ManagementFactory.getPlatformMBeanServer(),
                new ObjectName("dev.jreclaim:type=Agent"), ReclaimAgentMXBean.class);
        print(agent);
        System.out.println("ready");
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.startsWith("touch ")) {
                int k = Integer.parseInt(line.substring(6));
                for (int i = 0; i < k; i++) {
                    for (int p = 0; p < PAGES; p++) {
                        buffers.get(i).put(p * PAGE, (byte) 2);
                    }
                }
                print(agent);
            } else if (line.equals("exit")) {
                return;
            }
        }
    }

    private static void print(ReclaimAgentMXBean agent) {
        Figures f = agent.getRules().get("all");
        System.out.println("figures: purged pages " + f.getPurgedBytes() / PAGE + ", rebuilt pages "
                + agent.getTotals().getPagesRebuilt() + ", rebuilt ZERO pages " + agent.getPagesRebuiltBySource().get("ZERO")
                + ", volatile pages " + f.getVolatileBytes() / PAGE + ", written pages " + f.getWrittenBytes() / PAGE
                + ", ranges " + f.getRanges());
        System.out.flush();
    }
}
