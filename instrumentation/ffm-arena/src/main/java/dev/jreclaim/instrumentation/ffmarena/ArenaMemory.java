package dev.jreclaim.instrumentation.ffmarena;

import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.MemoryHook;
import jdk.internal.misc.Unsafe;

/**
 * The calls {@link ArenaInstrumentation} puts in place of {@code SegmentFactories}'s own. Each has the
 * shape of the call it replaces (a virtual call's receiver comes first).
 */
public final class ArenaMemory {
    private ArenaMemory() {}

    /**
     * Replaces the calls of {@code SegmentFactories.allocateMemoryWrapper(allocationSize)} in
     * {@code allocateNativeInternal(byteSize, ...)}, whose byteSize it is also given: allocationSize is padded
     * (to a multiple of 8 when the memory is zeroed, and by the alignment beyond malloc's), so 65,529 bytes
     * asked for are 65,536 allocated; a rule's min-size is compared with byteSize. Otherwise the wrapper's
     * own body: Unsafe.allocateMemory, its IllegalArgumentException as OutOfMemoryError.
     */
    public static long allocateMemoryWrapper(long allocationSize, long byteSize) {
        long a = MemoryHook.memory().allocate(AllocationKind.ARENA, allocationSize, byteSize);
        if (a != 0) {
            return a;
        }
        try {
            return Unsafe.getUnsafe().allocateMemory(allocationSize);
        } catch (IllegalArgumentException e) {
            throw new OutOfMemoryError();
        }
    }

    /**
     * Replaces the private {@code SegmentFactories.initNativeMemory(address, byteSize)}, which zeroes a
     * new segment (byteSize is a multiple of 8). Fresh agent memory is zero already. A segment aligned
     * beyond the page size does not start at the memory's base, is not recognised, and is zeroed: correct.
     */
    public static void initNativeMemory(long address, long byteSize) {
        if (MemoryHook.memory().owns(address)) {
            return;
        }
        Unsafe u = Unsafe.getUnsafe();
        for (long i = 0; i < byteSize; i += Long.BYTES) { // the JDK's own loop: counted, so safepoints still poll
            u.putLongUnaligned(null, address + i, 0);
        }
    }

    /** Replaces {@code UNSAFE.freeMemory(allocationBase)} in the cleanup action of a native segment. */
    public static void freeMemory(Unsafe unsafe, long address) {
        if (!MemoryHook.memory().free(address)) {
            unsafe.freeMemory(address);
        }
    }
}
