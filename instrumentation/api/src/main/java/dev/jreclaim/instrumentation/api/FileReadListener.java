package dev.jreclaim.instrumentation.api;

/** What {@link FileReadHook} reports to: the agent's runtime, once it is started. */
public interface FileReadListener {
    /** Nothing is recorded. */
    FileReadListener NONE = (address, bytes, fd, position) -> {};

    /**
     * A JDK read just put {@code bytes} bytes at {@code address} from file descriptor {@code fd}, read at
     * {@code position}, or at the descriptor's offset before the read when {@code position} is -1.
     */
    void read(long address, long bytes, int fd, long position);
}
