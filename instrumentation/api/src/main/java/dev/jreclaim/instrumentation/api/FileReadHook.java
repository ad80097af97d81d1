package dev.jreclaim.instrumentation.api;

/**
 * The one place the advice on {@code sun.nio.ch.IOUtil.readIntoNativeBuffer} finds the agent, as
 * {@link MemoryHook} is for the substituted allocation calls: plain longs and ints only (it is on the boot
 * class path, java.base calls it). {@link FileReadListener#NONE} until the agent is started.
 */
public final class FileReadHook {
    private static volatile FileReadListener listener = FileReadListener.NONE;

    private FileReadHook() {}

    public static void install(FileReadListener l) {
        if (l == null) {
            throw new IllegalArgumentException("listener must not be null (use FileReadListener.NONE)");
        }
        listener = l;
    }

    /** Whether anyone listens: the advice takes no address before a listener is installed. */
    public static boolean active() {
        return listener != FileReadListener.NONE;
    }

    /** Called after a read of {@code bytes > 0} bytes into native memory. Never throws into the JDK. */
    public static void read(long address, long bytes, int fd, long position) {
        try {
            listener.read(address, bytes, fd, position);
        } catch (Throwable ignored) { // the read must complete as if the agent were absent
        }
    }
}
