package dev.jreclaim.instrumentation.fileread;

import dev.jreclaim.instrumentation.api.FileReadHook;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code FileChannelImpl.Unmapper.unmap()}, which the mapping's arena runs when it closes (and a
 * MappedByteBuffer's cleaner): the agent forgets the mapping before its addresses can be reused.
 */
final class UnmapAdvice {
    private UnmapAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    static void enter(@Advice.FieldValue("address") long address, @Advice.FieldValue("size") long size) {
        if (FileReadHook.active()) {
            FileReadHook.unmapped(address, size);
        }
    }
}
