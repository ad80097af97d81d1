package dev.jreclaim.agent.start;

import java.lang.foreign.MemorySegment;

/** Whether the agent's module may use FFM's restricted methods, which everything in the agent needs. */
enum NativeAccess {
    /** {@code --enable-native-access=ALL-UNNAMED}: silent. */
    ENABLED,
    /** Allowed with the JDK's warning (JEP 472: an agent's manifest cannot enable it). */
    WARNED,
    /** {@code --illegal-native-access=deny}: every restricted call throws IllegalCallerException. */
    DENIED;

    /** Asks with one harmless restricted call; when access is not enabled, the JDK prints its warning now. */
    static NativeAccess probe() {
        if (NativeAccess.class.getModule().isNativeAccessEnabled()) {
            return ENABLED;
        }
        try {
            MemorySegment.NULL.reinterpret(0);
            return WARNED;
        } catch (IllegalCallerException e) {
            return DENIED;
        }
    }
}
