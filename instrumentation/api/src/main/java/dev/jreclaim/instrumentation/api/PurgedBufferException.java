package dev.jreclaim.instrumentation.api;

import java.io.IOException;

/**
 * Thrown by a channel's read or write (file, socket, datagram, pipe) instead of handing a purged page of an
 * {@code on-purge=throw} buffer to the kernel; nothing is read or written. The message names the buffer's span,
 * its range, its rule and the pages lost. Docs: docs/fault-path.md, "Pinning around native access".
 */
public class PurgedBufferException extends IOException {
    private static final long serialVersionUID = 1L;

    public PurgedBufferException(String message, Throwable cause) {
        super(message, cause);
    }
}
