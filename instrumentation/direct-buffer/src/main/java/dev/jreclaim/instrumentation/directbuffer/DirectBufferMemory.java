package dev.jreclaim.instrumentation.directbuffer;

import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.MemoryHook;
import jdk.internal.misc.Unsafe;

/**
 * The calls {@link DirectBufferInstrumentation} puts in place of {@code DirectByteBuffer}'s own. Each
 * has the shape of the call it replaces (a virtual call's receiver comes first). Memory the agent does
 * not take costs one volatile read and one call into the agent per allocation, zeroing and free.
 */
public final class DirectBufferMemory {
    /** {@code Bits.UNSAFE_SET_THRESHOLD}: the JDK zeroes in 1 MiB steps so that safepoints are not held up. */
    private static final long SET_STEP = 1 << 20;

    private DirectBufferMemory() {}

    /** Replaces {@code UNSAFE.allocateMemory(size)} in {@code DirectByteBuffer(int)}. */
    public static long allocateMemory(Unsafe unsafe, long size) {
        long a = MemoryHook.memory().allocate(AllocationKind.DIRECT, size);
        return a != 0 ? a : unsafe.allocateMemory(size);
    }

    /** Replaces {@code Bits.setMemory(base, size, 0)} in {@code DirectByteBuffer(int)}: fresh agent memory is zero. */
    public static void setMemory(long address, long count, byte value) {
        if (value == 0 && MemoryHook.memory().owns(address)) {
            return;
        }
        Unsafe u = Unsafe.getUnsafe();
        for (long offset = 0; offset < count; offset += SET_STEP) {
            u.setMemory(address + offset, Math.min(SET_STEP, count - offset), value);
        }
    }

    /** Replaces {@code UNSAFE.freeMemory(address)} in {@code Deallocator.run()} and the constructor's failure path. */
    public static void freeMemory(Unsafe unsafe, long address) {
        if (!MemoryHook.memory().free(address)) {
            unsafe.freeMemory(address);
        }
    }
}
