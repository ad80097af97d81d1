package dev.jreclaim.agent.jfr;

/**
 * Whether events can be recorded. {@link #AVAILABLE}: the {@code jdk.jfr} module is in the boot layer (a
 * jlinked runtime may lack it; loading an event class would then throw NoClassDefFoundError).
 * {@link #initialized}: JFR has started in this JVM (set by {@link JfrEvents}' listener). Until then no
 * event class is loaded: the first one would register with JFR's metadata repository, about a hundred
 * {@code jdk.jfr} classes, in the thread that marks.
 */
final class JfrPresence {
    static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.jfr").isPresent();
    static volatile boolean initialized;

    private JfrPresence() {}

    static boolean recordable() {
        return AVAILABLE && initialized;
    }
}
