package dev.jreclaim.agent.jmx;

import dev.jreclaim.agent.range.Accounting;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.runtime.ReclaimRuntime;
import java.lang.management.BufferPoolMXBean;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * The {@code jreclaim} buffer pool beside the JDK's {@code direct} and {@code mapped}: count = live agent
 * ranges, total capacity = their bytes (reclaimable memory handed to the JDK), memory used = their resident
 * bytes (what the process pays for now; the rest was dropped by the kernel or never touched).
 *
 * <p>A {@link StandardMBean} so that the platform MBeanServer registers it as it is and calls
 * {@link #postRegister}: the moment that server exists is the moment to register the agent's own MBean,
 * without ever creating the server early.
 */
public final class ReclaimBufferPool extends StandardMBean implements BufferPoolMXBean {
    public static final String NAME = "jreclaim";
    private final ReclaimRuntime runtime;
    private volatile MBeanServer server;

    ReclaimBufferPool(ReclaimRuntime runtime) {
        super(BufferPoolMXBean.class, true);
        this.runtime = runtime;
    }

    @Override
    public String getName() {
        return NAME;
    }

    @Override
    public long getCount() {
        return runtime.totals().liveRanges();
    }

    @Override
    public long getTotalCapacity() {
        return runtime.totals().liveBytes();
    }

    @Override
    public long getMemoryUsed() {
        Accounting a = runtime.registry().accounting();
        return a.residentBytes();
    }

    @Override
    public ObjectName getObjectName() {
        return Names.of("java.nio:type=BufferPool,name=" + NAME);
    }

    @Override
    public ObjectName preRegister(MBeanServer server, ObjectName name) throws Exception {
        this.server = server;
        return super.preRegister(server, name);
    }

    @Override
    public void postRegister(Boolean done) {
        super.postRegister(done);
        if (Boolean.TRUE.equals(done)) {
            ReclaimAgent.registerIn(server);
        }
    }
}
