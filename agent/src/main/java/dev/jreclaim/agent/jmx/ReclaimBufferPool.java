package dev.jreclaim.agent.jmx;

import dev.jreclaim.agent.range.Accounting;
import dev.jreclaim.agent.range.RangeRegistry;
import dev.jreclaim.agent.runtime.ReclaimRuntime;
import java.lang.management.BufferPoolMXBean;
import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.DynamicMBean;
import javax.management.MBeanInfo;
import javax.management.MBeanRegistration;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.StandardMBean;

/**
 * The {@code jreclaim} buffer pool beside the JDK's {@code direct} and {@code mapped}: count = live agent
 * ranges, total capacity = their bytes (reclaimable memory handed to the JDK), memory used = their resident
 * bytes (what the process pays for now; the rest was dropped by the kernel or never touched).
 *
 * <p>A {@link DynamicMBean} and {@link MBeanRegistration} so that the platform MBeanServer registers it as it is
 * and calls {@link #postRegister}: the moment that server exists is the moment to register the agent's own
 * MBean, without ever creating the server early. The MXBean introspection behind it (a {@link StandardMBean})
 * is built only then, not at start-up (docs/benchmarks.md, "Footprint"): most JVMs never create that server.
 */
public final class ReclaimBufferPool implements BufferPoolMXBean, DynamicMBean, MBeanRegistration {
    public static final String NAME = "jreclaim";
    private final ReclaimRuntime runtime;
    private volatile MBeanServer server;
    private volatile StandardMBean mbean;

    ReclaimBufferPool(ReclaimRuntime runtime) {
        this.runtime = runtime;
    }

    /** The MXBean view of this pool, built at the first JMX call. */
    private StandardMBean mbean() {
        StandardMBean m = mbean;
        if (m == null) {
            synchronized (this) {
                m = mbean;
                if (m == null) {
                    mbean = m = new StandardMBean(this, BufferPoolMXBean.class, true);
                }
            }
        }
        return m;
    }

    @Override
    public Object getAttribute(String attribute) throws javax.management.AttributeNotFoundException,
            javax.management.MBeanException, javax.management.ReflectionException {
        return mbean().getAttribute(attribute);
    }

    @Override
    public void setAttribute(Attribute attribute) throws javax.management.AttributeNotFoundException,
            javax.management.InvalidAttributeValueException, javax.management.MBeanException,
            javax.management.ReflectionException {
        mbean().setAttribute(attribute);
    }

    @Override
    public AttributeList getAttributes(String[] attributes) {
        return mbean().getAttributes(attributes);
    }

    @Override
    public AttributeList setAttributes(AttributeList attributes) {
        return mbean().setAttributes(attributes);
    }

    @Override
    public Object invoke(String actionName, Object[] params, String[] signature) throws javax.management.MBeanException,
            javax.management.ReflectionException {
        return mbean().invoke(actionName, params, signature);
    }

    @Override
    public MBeanInfo getMBeanInfo() {
        return mbean().getMBeanInfo();
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
        return mbean().preRegister(server, name);
    }

    @Override
    public void preDeregister() throws Exception {
        mbean().preDeregister();
    }

    @Override
    public void postDeregister() {
        mbean().postDeregister();
    }

    @Override
    public void postRegister(Boolean done) {
        mbean().postRegister(done);
        if (Boolean.TRUE.equals(done)) {
            ReclaimAgent.registerIn(server);
        }
    }
}
