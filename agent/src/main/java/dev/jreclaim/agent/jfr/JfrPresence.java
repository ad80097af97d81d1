package dev.jreclaim.agent.jfr;

/**
 * Whether the {@code jdk.jfr} module is in the boot layer. A jlinked runtime may lack it; the event
 * classes are then never loaded (loading one would throw NoClassDefFoundError).
 */
final class JfrPresence {
    static final boolean AVAILABLE = ModuleLayer.boot().findModule("jdk.jfr").isPresent();

    private JfrPresence() {}
}
