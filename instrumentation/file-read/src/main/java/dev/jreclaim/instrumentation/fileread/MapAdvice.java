package dev.jreclaim.instrumentation.fileread;

import dev.jreclaim.instrumentation.api.FileReadHook;
import java.io.FileDescriptor;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel.MapMode;
import jdk.internal.access.SharedSecrets;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code FileChannelImpl.map(MapMode, long offset, long size, Arena)}: the segment it returns shows
 * the file's bytes from {@code offset}, so a copy from it is a read of the file (docs/fault-path.md, "Pages
 * rebuilt from the file they were read from"). The channel's descriptor ({@code fd}, its field) is told now:
 * the channel may be closed long before the copy. A PRIVATE mapping's written pages are not the file's.
 */
final class MapAdvice {
    private MapAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.Return MemorySegment segment, @Advice.Argument(0) MapMode mode,
            @Advice.Argument(1) long offset, @Advice.FieldValue("fd") FileDescriptor fd) {
        if (FileReadHook.active() && segment != null && segment.byteSize() > 0 && mode != MapMode.PRIVATE) {
            FileReadHook.mapped(segment.address(), segment.byteSize(),
                    SharedSecrets.getJavaIOFileDescriptorAccess().get(fd), offset);
        }
    }
}
