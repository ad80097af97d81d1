package dev.jreclaim.instrumentation.api;

/**
 * What the native-access guards ({@link PinHook}) ask the agent before the JDK hands an address to a system call
 * or to native code. Implementations must not throw anything but {@link PurgedMemoryError}, and must do no NIO,
 * zip or file logging: they run inside the very JDK methods that are guarded.
 */
public interface MemoryPins {

    /**
     * Pins {@code [address, address+length)} if it lies in the agent's memory: resident, and kept so (neither
     * marked nor unmapped) until {@link #unpin}.
     *
     * @return a token for {@link #unpin}, or null when the span is not the agent's
     * @throws PurgedMemoryError when the span is an {@code on-purge=throw} buffer that lost pages; nothing is pinned
     */
    Object pin(long address, long length);

    /** Ends the pin {@code token} stands for. */
    void unpin(Object token);

    /** No agent: nothing is pinned. */
    MemoryPins NONE = new MemoryPins() {
        @Override
        public Object pin(long address, long length) {
            return null;
        }

        @Override
        public void unpin(Object token) {}

        @Override
        public String toString() {
            return "no pins";
        }
    };
}
