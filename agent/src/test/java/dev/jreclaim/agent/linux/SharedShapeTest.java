package dev.jreclaim.agent.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodType;
import org.junit.jupiter.api.Test;

/** Downcalls linked with a shared shape ({@link SharedShape}) keep their exact types and their values. */
class SharedShapeTest {
    private static MemorySegment libc(String name) {
        return Linker.nativeLinker().defaultLookup().find(name).orElseThrow();
    }

    @Test
    void intArgumentsKeepTheirTypeAndSign() throws Throwable {
        MethodHandle abs = SharedShape.link(libc("abs"), FunctionDescriptor.of(JAVA_INT, JAVA_INT), 0);
        assertEquals(MethodType.methodType(int.class, int.class), abs.type());
        assertEquals(5, (int) abs.invokeExact(-5));
        assertEquals(Integer.MAX_VALUE, (int) abs.invokeExact(-Integer.MAX_VALUE));
    }

    @Test
    void pointerArgumentsPassTheSegmentsAddress() throws Throwable {
        MethodHandle strlen = SharedShape.link(libc("strlen"), FunctionDescriptor.of(JAVA_LONG, ADDRESS), 0);
        assertEquals(MethodType.methodType(long.class, MemorySegment.class), strlen.type());
        try (Arena arena = Arena.ofConfined()) {
            assertEquals(5L, (long) strlen.invokeExact(arena.allocateFrom("hello")));
        }
    }

    @Test
    void aHeapSegmentIsRefusedAsFfmWould() {
        MethodHandle strlen = SharedShape.link(libc("strlen"), FunctionDescriptor.of(JAVA_LONG, ADDRESS), 0);
        MemorySegment heap = MemorySegment.ofArray(new byte[] {'a', 0});
        assertThrows(IllegalArgumentException.class, () -> {
            long ignored = (long) strlen.invokeExact(heap);
        });
    }

    /** The errno-capturing path (one leading call-state parameter): close(-1) fails with EBADF. */
    @Test
    void capturedErrnoStillArrives() {
        assertEquals(-Errno.EBADF, Libc.close(-1));
    }

    @Test
    void onlyIntLongAndPointerAreWidened() {
        assertTrue(SharedShape.isWord(JAVA_INT));
        assertTrue(SharedShape.isWord(JAVA_LONG));
        assertTrue(SharedShape.isWord(ADDRESS));
        assertFalse(SharedShape.isWord(JAVA_SHORT), "a short's upper bits are the caller's to extend");
    }
}
