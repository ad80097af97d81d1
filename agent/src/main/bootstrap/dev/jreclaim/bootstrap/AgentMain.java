package dev.jreclaim.bootstrap;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;

/**
 * Main-Class of the agent jar ({@code java -jar jreclaim-agent.jar doctor}). Compiled for Java 8 so
 * that an old JVM prints one clear line instead of an UnsupportedClassVersionError, then hands over
 * to the real command line in dev.jreclaim.agent.cli.
 */
public final class AgentMain {
    private AgentMain() {}

    public static void main(String[] args) throws Throwable {
        if (JavaVersion.feature() < JavaVersion.REQUIRED) {
            boolean doctor = args.length > 0 && "doctor".equals(args[0]);
            System.out.println((doctor ? "doctor: UNAVAILABLE: " : "jreclaim: ") + JavaVersion.tooOld());
            System.exit(2);
            return;
        }
        Method main = Class.forName("dev.jreclaim.agent.cli.Main").getMethod("main", String[].class);
        try {
            main.invoke(null, (Object) args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
