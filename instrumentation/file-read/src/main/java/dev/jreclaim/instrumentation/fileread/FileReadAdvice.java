package dev.jreclaim.instrumentation.fileread;

import dev.jreclaim.instrumentation.api.FileReadHook;
import java.io.FileDescriptor;
import java.nio.ByteBuffer;
import jdk.internal.access.SharedSecrets;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code IOUtil.readIntoNativeBuffer(FileDescriptor fd, ByteBuffer bb, long position, ...)}, which
 * reads into {@code address(bb) + bb.position()} (docs/fault-path.md, "Pages rebuilt from the file they were
 * read from"). The address is taken on entry, before the method moves the position; the descriptor's int
 * through SharedSecrets (java.base's own, no reflection). Only calls are added, so the loaded class can be
 * retransformed.
 */
final class FileReadAdvice {
    private FileReadAdvice() {}

    @Advice.OnMethodEnter
    static long enter(@Advice.Argument(1) ByteBuffer bb) {
        return FileReadHook.active() ? ((sun.nio.ch.DirectBuffer) bb).address() + bb.position() : 0;
    }

    @Advice.OnMethodExit
    static void exit(@Advice.Enter long address, @Advice.Return int n, @Advice.Argument(0) FileDescriptor fd,
            @Advice.Argument(2) long position) {
        if (address != 0 && n > 0) {
            FileReadHook.read(address, n, SharedSecrets.getJavaIOFileDescriptorAccess().get(fd), position);
        }
    }
}
