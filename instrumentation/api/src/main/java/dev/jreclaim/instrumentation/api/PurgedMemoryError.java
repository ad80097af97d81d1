package dev.jreclaim.instrumentation.api;

/**
 * Thrown instead of letting native code or an intrinsic stub read or write a purged page of an
 * {@code on-purge=throw} buffer (checksums, {@code Deflater}/{@code Inflater}, {@code MemorySegment.mismatch},
 * {@code ByteBuffer.equals/compareTo/mismatch}), where the page's SIGBUS would crash the JVM. An
 * {@link InternalError}, as the JDK throws for a plain Java access to such a page; the message names the
 * buffer's span, its range, its rule and the pages lost. Docs: docs/fault-path.md, "Pinning around native access".
 */
public class PurgedMemoryError extends InternalError {
    private static final long serialVersionUID = 1L;

    public PurgedMemoryError(String message) {
        super(message);
    }
}
