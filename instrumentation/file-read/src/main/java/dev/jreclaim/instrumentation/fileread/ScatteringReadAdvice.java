package dev.jreclaim.instrumentation.fileread;

import dev.jreclaim.instrumentation.api.FileReadHook;
import java.io.FileDescriptor;
import java.nio.ByteBuffer;
import jdk.internal.access.SharedSecrets;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code IOUtil.read(FileDescriptor, ByteBuffer[], int offset, int length, boolean, boolean, int,
 * NativeDispatcher)}, which every scattering read reaches ({@code FileChannel.read(ByteBuffer[]...)}, and the
 * sockets' and pipes' too: the library records regular files only). It puts the buffers' remaining bytes, in
 * order, into one readv; the bytes read fill them in that order (docs/fault-path.md, "Pages rebuilt from the
 * file they were read from"). The spans are taken on entry, before the method moves the positions, and only
 * when a direct buffer lies where a rebuild:file range may be: no allocation for any other read.
 */
final class ScatteringReadAdvice {
    private ScatteringReadAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static long[] enter(@Advice.Argument(1) ByteBuffer[] bufs, @Advice.Argument(2) int offset,
            @Advice.Argument(3) int length) {
        if (!FileReadHook.active()) {
            return null;
        }
        boolean watched = false;
        for (int i = 0; i < length && !watched; i++) {
            ByteBuffer b = bufs[offset + i];
            watched = b instanceof sun.nio.ch.DirectBuffer d && FileReadHook.watches(d.address() + b.position());
        }
        if (!watched) {
            return null;
        }
        long[] spans = new long[2 * length];
        for (int i = 0; i < length; i++) { // as IOUtil counts: lim - pos, 0 when pos > lim
            ByteBuffer b = bufs[offset + i];
            int pos = b.position(), lim = b.limit();
            spans[2 * i] = b instanceof sun.nio.ch.DirectBuffer d ? d.address() + pos : 0;
            spans[2 * i + 1] = pos <= lim ? lim - pos : 0;
        }
        return spans;
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.Enter long[] spans, @Advice.Return long n, @Advice.Argument(0) FileDescriptor fd) {
        if (spans != null && n > 0) {
            FileReadHook.scatteringRead(spans, n, SharedSecrets.getJavaIOFileDescriptorAccess().get(fd));
        }
    }
}
