package dev.jreclaim.benchmarks.suite;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;

/** liblz4's block API (the library libjreclaim.so's SNAPSHOT source uses), to measure its limits in the bench's own process. */
final class Lz4 {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIB = SymbolLookup.libraryLookup("liblz4.so.1", Arena.global());
    private static final FunctionDescriptor FOUR = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS,
            ValueLayout.ADDRESS, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT);
    private static final MethodHandle COMPRESS = LINKER.downcallHandle(LIB.find("LZ4_compress_default").orElseThrow(), FOUR);
    private static final MethodHandle DECOMPRESS = LINKER.downcallHandle(LIB.find("LZ4_decompress_safe").orElseThrow(), FOUR);

    private Lz4() {}

    static int bound(int size) {
        return size + size / 255 + 16;
    }

    static int compress(MemorySegment src, MemorySegment dst, int size) {
        try {
            int n = (int) COMPRESS.invokeExact(src, dst, size, (int) dst.byteSize());
            if (n <= 0) {
                throw new IllegalStateException("LZ4_compress_default returned " + n);
            }
            return n;
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }

    static int decompress(MemorySegment src, int compressed, MemorySegment dst, int size) {
        try {
            int n = (int) DECOMPRESS.invokeExact(src, dst, compressed, size);
            if (n != size) {
                throw new IllegalStateException("LZ4_decompress_safe returned " + n + ", expected " + size);
            }
            return n;
        } catch (Throwable t) {
            throw t instanceof RuntimeException r ? r : new IllegalStateException(t);
        }
    }
}
