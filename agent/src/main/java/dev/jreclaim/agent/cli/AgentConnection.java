package dev.jreclaim.agent.cli;

import com.sun.tools.attach.AttachNotSupportedException;
import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import javax.management.JMException;
import javax.management.JMX;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;
import dev.jreclaim.agent.jmx.ReclaimAgentMXBean;

/**
 * The agent MBean of another JVM, through the attach API and that JVM's local JMX connector
 * ({@code startLocalManagementAgent}: the JVM's own, local-only, started if it was not).
 */
final class AgentConnection implements AutoCloseable {
    static final String AGENT = "dev.jreclaim:type=Agent";
    private final JMXConnector connector;
    private final ReclaimAgentMXBean agent;

    private AgentConnection(JMXConnector connector, ReclaimAgentMXBean agent) {
        this.connector = connector;
        this.agent = agent;
    }

    ReclaimAgentMXBean agent() {
        return agent;
    }

    static long pid(String arg) throws CliError {
        try {
            long pid = Long.parseLong(arg);
            if (pid > 0) {
                return pid;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new CliError("not a process id: " + arg);
    }

    static AgentConnection open(long pid) throws CliError {
        if (ProcessHandle.of(pid).isEmpty()) {
            throw new CliError("no process with pid " + pid);
        }
        String address;
        try {
            VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
            try {
                address = vm.startLocalManagementAgent();
            } finally {
                vm.detach();
            }
        } catch (AttachNotSupportedException | IOException | SecurityException e) {
            throw new CliError("cannot attach to pid " + pid + " (not a JVM, or not permitted: run as the target's"
                    + " user, and not from inside another container): " + e.getMessage());
        }
        JMXConnector connector = null;
        try {
            connector = JMXConnectorFactory.connect(new JMXServiceURL(address));
            MBeanServerConnection server = connector.getMBeanServerConnection();
            ObjectName name = new ObjectName(AGENT);
            if (!server.isRegistered(name)) {
                createIn(server, name, pid);
            }
            return new AgentConnection(connector, JMX.newMXBeanProxy(server, name, ReclaimAgentMXBean.class));
        } catch (IOException | JMException e) {
            closeQuietly(connector);
            throw new CliError("cannot reach the JMX of pid " + pid + ": " + e);
        } catch (CliError e) {
            closeQuietly(connector);
            throw e;
        }
    }

    /**
     * The MBean is registered by the agent when the platform MBeanServer comes to exist; this creates it
     * from the agent's class (on the target's boot class path) in case it came to exist another way.
     */
    private static void createIn(MBeanServerConnection server, ObjectName name, long pid) throws CliError, IOException {
        try {
            server.createMBean("dev.jreclaim.agent.jmx.ReclaimAgent", name);
        } catch (javax.management.InstanceAlreadyExistsException raced) {
            // registered meanwhile
        } catch (JMException e) {
            throw new CliError("no jreclaim agent runs in JVM " + pid);
        }
    }

    private static void closeQuietly(JMXConnector c) {
        if (c != null) {
            try {
                c.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    @Override
    public void close() {
        closeQuietly(connector);
    }
}
