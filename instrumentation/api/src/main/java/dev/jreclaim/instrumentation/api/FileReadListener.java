package dev.jreclaim.instrumentation.api;

/**
 * What {@link FileReadHook} reports to: the agent's runtime, once it is started. Plain longs and ints (and one
 * long[]) only: java.base calls it through the advice.
 */
public interface FileReadListener {
    /** Nothing is recorded. */
    FileReadListener NONE = new FileReadListener() {
        @Override
        public void read(long address, long bytes, int fd, long position) {}

        @Override
        public boolean watches(long address) {
            return false;
        }

        @Override
        public void scatteringRead(long[] spans, long bytes, int fd) {}

        @Override
        public void mapped(long address, long size, int fd, long fileOffset) {}

        @Override
        public void unmapped(long address, long size) {}

        @Override
        public void copied(long dst, long src, long bytes) {}
    };

    /**
     * A JDK read just put {@code bytes} bytes at {@code address} from file descriptor {@code fd}, read at
     * {@code position}, or at the descriptor's offset before the read when {@code position} is -1.
     */
    void read(long address, long bytes, int fd, long position);

    /** Whether native memory at {@code address} may need a record (cheap: asked for every scattered buffer). */
    boolean watches(long address);

    /**
     * A scattering read (readv) at the descriptor's offset just put {@code bytes} bytes into the buffers
     * {@code spans} names in order as (address, length) pairs, each filled before the next (address 0: not
     * native memory).
     */
    void scatteringRead(long[] spans, long bytes, int fd);

    /** {@code FileChannel.map(..., Arena)} just mapped {@code size} bytes of {@code fd} at {@code fileOffset}. */
    void mapped(long address, long size, int fd, long fileOffset);

    /** A file mapping of {@code size} bytes at {@code address} is being unmapped. */
    void unmapped(long address, long size);

    /** {@code MemorySegment.copy} just copied {@code bytes} bytes from a file-mapped segment at {@code src}. */
    void copied(long dst, long src, long bytes);
}
