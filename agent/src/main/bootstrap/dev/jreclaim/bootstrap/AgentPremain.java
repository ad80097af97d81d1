package dev.jreclaim.bootstrap;

import java.io.File;
import java.lang.instrument.Instrumentation;
import java.lang.reflect.InvocationTargetException;
import java.util.jar.JarFile;

/**
 * Premain-Class and Agent-Class of the agent jar. Compiled for Java 8, so that any JVM can load it: on
 * a JDK older than 22 it prints one line and returns, and the application runs unchanged. Otherwise it
 * hands over to dev.jreclaim.agent.start.AgentStart, which is compiled for Java 25.
 *
 * <p>The whole jar is on the boot class path (the manifest's Boot-Class-Path names the jar itself):
 * the methods that replace the JDK's own calls inside java.base must be visible from java.base. A jar
 * renamed since it was built no longer matches that entry; then it is appended here instead (which
 * makes the JVM print a CDS warning).
 */
public final class AgentPremain {
    private static final String START = "dev.jreclaim.agent.start.AgentStart";

    private AgentPremain() {}

    public static void premain(String args, Instrumentation inst) {
        start(args, inst, false);
    }

    public static void agentmain(String args, Instrumentation inst) {
        start(args, inst, true);
    }

    private static void start(String args, Instrumentation inst, boolean attached) {
        if (JavaVersion.feature() < JavaVersion.REQUIRED) {
            System.err.println("jreclaim: WARN agent disabled: " + JavaVersion.tooOld()
                    + " The application runs without it.");
            return;
        }
        try {
            if (AgentPremain.class.getClassLoader() != null) {
                inst.appendToBootstrapClassLoaderSearch(new JarFile(ownJar()));
            }
            Class.forName(START, true, null).getMethod("start", String.class, Instrumentation.class, boolean.class)
                    .invoke(null, args, inst, attached);
        } catch (InvocationTargetException e) {
            warn(e.getCause());
        } catch (Throwable t) { // an exception out of premain would stop the JVM
            warn(t);
        }
    }

    private static File ownJar() throws Exception {
        return new File(AgentPremain.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    }

    private static void warn(Throwable t) {
        System.err.println("jreclaim: WARN agent disabled: cannot start: " + t + "; the application runs without it");
    }
}
