package dev.jreclaim.instrumentation.api;

/**
 * The one place substituted JDK calls find the agent. It holds {@link ReclaimableMemory#PLAIN} until the
 * agent has installed and verified its instrumentation, so a half-installed agent never hands out memory
 * that an uninstrumented free path would give to {@code free(3)}.
 */
public final class MemoryHook {
    private static volatile ReclaimableMemory memory = ReclaimableMemory.PLAIN;

    private MemoryHook() {}

    public static ReclaimableMemory memory() {
        return memory;
    }

    public static void install(ReclaimableMemory m) {
        if (m == null) {
            throw new IllegalArgumentException("memory must not be null (use ReclaimableMemory.PLAIN)");
        }
        memory = m;
    }
}
