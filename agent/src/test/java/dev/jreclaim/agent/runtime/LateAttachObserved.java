package dev.jreclaim.agent.runtime;

import com.sun.tools.attach.VirtualMachine;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.stream.Collectors;
import javax.management.MBeanServer;
import javax.management.ObjectName;

/**
 * A child program (AgentObservabilityIT): the platform MBeanServer and buffer pool list exist before the
 * agent is attached to this JVM; afterwards both must show the agent. Args: the agent jar, its options.
 */
public final class LateAttachObserved {
    private LateAttachObserved() {}

    public static void main(String[] args) throws Exception {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        System.out.println("before: " + names());
        VirtualMachine vm = VirtualMachine.attach(Long.toString(ProcessHandle.current().pid()));
        try {
            vm.loadAgent(args[0], args[1]);
        } finally {
            vm.detach();
        }
        System.out.println("after: " + names());
        System.out.println("pool registered: " + server.isRegistered(new ObjectName("java.nio:type=BufferPool,name=jreclaim")));
        System.out.println("agent registered: " + server.isRegistered(new ObjectName("dev.jreclaim:type=Agent")));
    }

    private static String names() {
        return ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream().map(BufferPoolMXBean::getName)
                .collect(Collectors.joining(", "));
    }
}
