package dev.jreclaim.agent.jmx;

import dev.jreclaim.agent.runtime.ReclaimRuntime;
import java.lang.instrument.Instrumentation;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.management.MBeanServer;

/**
 * Puts the {@code jreclaim} pool beside {@code direct} and {@code mapped}, the same way at start-up and
 * when attached late: it joins the JDK's own cached list ({@code ManagementFactoryHelper.getBufferPoolMXBeans()}),
 * which both {@code ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)} and the platform
 * MBeanServer's creation read; if that server already exists, the pool is registered in it now. The
 * server is never created here. The pool registers the agent's MBean wherever it is itself registered.
 *
 * <p>Not a {@code PlatformMBeanProvider} service file (docs/observability.md, "The jreclaim buffer pool"): that
 * file would be read by every JVM that has the jar on its boot class path, including those where the agent is
 * disabled or the JDK too old to load the provider, where it breaks every management call.
 */
public final class ManagementHook {
    private ManagementHook() {}

    /** @return null, or why the pool is not there */
    public static String install(Instrumentation inst, ReclaimRuntime runtime) {
        Module management = ManagementFactory.class.getModule();
        if (!management.isNamed()) {
            return "java.management is not a named module";
        }
        Module self = ManagementHook.class.getModule();
        try {
            inst.redefineModule(management, Set.of(), Map.of(),
                    Map.of("sun.management", Set.of(self), "java.lang.management", Set.of(self)), Set.of(), Map.of());
            Class<?> helper = Class.forName("sun.management.ManagementFactoryHelper");
            @SuppressWarnings("unchecked")
            List<BufferPoolMXBean> pools = (List<BufferPoolMXBean>) helper.getMethod("getBufferPoolMXBeans").invoke(null);
            ReclaimBufferPool pool = new ReclaimBufferPool(runtime);
            synchronized (ManagementFactory.class) { // getPlatformMBeanServer's lock: it reads the list while creating
                if (pools.stream().anyMatch(p -> ReclaimBufferPool.NAME.equals(p.getName()))) {
                    return null;
                }
                pools.add(pool);
                MBeanServer server = existingServer();
                if (server != null) {
                    server.registerMBean(pool, pool.getObjectName());
                }
            }
            return null;
        } catch (ReflectiveOperationException | RuntimeException | javax.management.JMException e) {
            return e.toString();
        }
    }

    private static MBeanServer existingServer() throws ReflectiveOperationException {
        Field f = ManagementFactory.class.getDeclaredField("platformMBeanServer");
        f.setAccessible(true);
        return (MBeanServer) f.get(null);
    }
}
