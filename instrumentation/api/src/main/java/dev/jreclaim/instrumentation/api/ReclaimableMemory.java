package dev.jreclaim.instrumentation.api;

/**
 * What the substituted JDK calls ask the agent. The JDK keeps doing everything else itself
 * (reservation against {@code -XX:MaxDirectMemorySize}, the buffer pool counts, cleaners, arena
 * scopes), so a buffer or segment keeps every JDK semantic whichever memory it gets.
 *
 * <p>Implementations must not throw: the callers sit inside JDK allocation and free paths.
 */
public interface ReclaimableMemory {

    /**
     * Memory for an allocation the JDK is about to make with {@code Unsafe.allocateMemory(size)}.
     *
     * @return the base of page-aligned, zeroed memory of at least {@code size} bytes that the agent
     *         owns, or 0: the JDK allocates plain memory as usual
     */
    long allocate(AllocationKind kind, long size);

    /**
     * As {@link #allocate(AllocationKind, long)}, where the JDK allocates {@code size} bytes for a request of
     * {@code requested} bytes (an arena pads to a multiple of 8, and for alignment): rules compare their
     * min-size with what the application asked for.
     */
    default long allocate(AllocationKind kind, long size, long requested) {
        return allocate(kind, size);
    }

    /**
     * Whether {@code address} is the base of memory the agent handed out and still owns. Asked right
     * after {@link #allocate}, before the JDK zeroes the new memory: the agent's memory is zero already.
     */
    boolean owns(long address);

    /**
     * Frees {@code address} if the agent owns it.
     *
     * @return false when the agent does not own it: the caller frees it with {@code Unsafe.freeMemory}
     */
    boolean free(long address);

    /** The agent is not running: every allocation is plain JDK memory. */
    ReclaimableMemory PLAIN = new ReclaimableMemory() {
        @Override
        public long allocate(AllocationKind kind, long size) {
            return 0;
        }

        @Override
        public boolean owns(long address) {
            return false;
        }

        @Override
        public boolean free(long address) {
            return false;
        }

        @Override
        public String toString() {
            return "plain JDK memory";
        }
    };
}
