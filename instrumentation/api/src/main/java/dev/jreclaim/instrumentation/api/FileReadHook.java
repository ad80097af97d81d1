package dev.jreclaim.instrumentation.api;

/**
 * The one place the advice on JDK file reads and file mappings finds the agent (instrumentation/file-read), as
 * {@link MemoryHook} is for the substituted allocation calls: plain longs and ints only (it is on the boot
 * class path, java.base calls it). {@link FileReadListener#NONE} until the agent is started, and while no rule
 * rebuilds from files. Nothing here throws into the JDK: the read must complete as if the agent were absent.
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

    /** Called after a read of {@code bytes > 0} bytes into native memory. */
    public static void read(long address, long bytes, int fd, long position) {
        try {
            listener.read(address, bytes, fd, position);
        } catch (Throwable ignored) {
        }
    }

    /** Whether a scattering read into {@code address} needs its spans (false on any failure). */
    public static boolean watches(long address) {
        try {
            return listener.watches(address);
        } catch (Throwable ignored) {
            return false;
        }
    }

    /** Called after a scattering read of {@code bytes > 0} bytes into {@code spans} (address, length pairs). */
    public static void scatteringRead(long[] spans, long bytes, int fd) {
        try {
            listener.scatteringRead(spans, bytes, fd);
        } catch (Throwable ignored) {
        }
    }

    /** Called after {@code FileChannel.map(..., Arena)} mapped a file shared (not MapMode.PRIVATE). */
    public static void mapped(long address, long size, int fd, long fileOffset) {
        try {
            listener.mapped(address, size, fd, fileOffset);
        } catch (Throwable ignored) {
        }
    }

    /** Called before a file mapping is unmapped. */
    public static void unmapped(long address, long size) {
        try {
            listener.unmapped(address, size);
        } catch (Throwable ignored) {
        }
    }

    /** Called after {@code MemorySegment.copy} from a file-mapped segment into native memory. */
    public static void copied(long dst, long src, long bytes) {
        try {
            listener.copied(dst, src, bytes);
        } catch (Throwable ignored) {
        }
    }
}
