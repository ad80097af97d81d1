package dev.jreclaim.instrumentation.fileread;

import dev.jreclaim.instrumentation.api.FileReadHook;
import java.lang.foreign.MemorySegment;
import net.bytebuddy.asm.Advice;

/**
 * Inlined into {@code SegmentBulkOperations.copy(src, srcOffset, dst, dstOffset, size)}, which
 * {@code MemorySegment.copy(MemorySegment, long, MemorySegment, long, long)} and {@code copyFrom} reach: a copy
 * from a file-mapped segment into native memory is a read of the file at the mapping's offset
 * (docs/fault-path.md, "Pages rebuilt from the file they were read from"). One type check for every other copy.
 */
final class MappedCopyAdvice {
    private MappedCopyAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    static void exit(@Advice.Argument(0) MemorySegment src, @Advice.Argument(1) long srcOffset,
            @Advice.Argument(2) MemorySegment dst, @Advice.Argument(3) long dstOffset, @Advice.Argument(4) long size) {
        if (size > 0 && src.isMapped() && dst.isNative() && FileReadHook.active()) {
            FileReadHook.copied(dst.address() + dstOffset, src.address() + srcOffset, size);
        }
    }
}
