package dev.jreclaim.agent.linux;

import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.List;

/**
 * Links the downcalls the agent makes at start or rarely (start, configuration, constants, libc's odds and ends) with
 * one shape per arity: the JDK generates a stub class per distinct descriptor, each costing about 10 ms of CPU and
 * 0.3 MiB of heap at start (docs/benchmarks.md, "Footprint: where it goes"), and 14 were linked before the start-up
 * line. Every {@code int} and pointer argument is linked as a {@code long}: the SysV x86-64 ABI (the only one
 * libjreclaim.so is built for, {@link NativeLibrary}) passes all three in a 64-bit integer register and the callee
 * reads the low 32 bits of an {@code int}; narrower integers (char, short, bool) are not widened, since compilers
 * rely on their caller's extension. The handle returned has the exact type of {@code fd}, through an adapter, so call
 * sites are unchanged; a pointer argument must be a native segment (a heap segment is refused, as FFM would). Hot
 * calls (marks, range add and remove) keep their own exact shape: no adapter on their path. Variadic calls are never
 * linked here (their promotion rules are the ABI's own).
 */
final class SharedShape {
    private static final MethodHandle NATIVE_ADDRESS;

    static {
        try {
            NATIVE_ADDRESS = MethodHandles.lookup().findStatic(SharedShape.class, "nativeAddress",
                    MethodType.methodType(long.class, MemorySegment.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private SharedShape() {}

    /**
     * A downcall of {@code symbol} as {@code fd} describes it, linked with {@code fd}'s canonical shape.
     * {@code leading} is the count of parameters the options add before {@code fd}'s (1 with a captured call state).
     */
    static MethodHandle link(MemorySegment symbol, FunctionDescriptor fd, int leading, Linker.Option... options) {
        List<MemoryLayout> args = fd.argumentLayouts();
        MemoryLayout[] canonical = new MemoryLayout[args.size()];
        for (int i = 0; i < canonical.length; i++) {
            canonical[i] = isWord(args.get(i)) ? JAVA_LONG : args.get(i);
        }
        FunctionDescriptor shape = fd.returnLayout().isPresent()
                ? FunctionDescriptor.of(fd.returnLayout().get(), canonical) : FunctionDescriptor.ofVoid(canonical);
        MethodHandle h = Linker.nativeLinker().downcallHandle(symbol, shape, options);
        MethodType exact = h.type();
        for (int i = 0; i < canonical.length; i++) {
            MemoryLayout l = args.get(i);
            if (l instanceof AddressLayout) {
                h = MethodHandles.filterArguments(h, leading + i, NATIVE_ADDRESS);
            }
            if (l instanceof ValueLayout v) {
                exact = exact.changeParameterType(leading + i, v.carrier());
            }
        }
        return h.asType(exact);
    }

    /** The layouts passed in one 64-bit integer register whatever their width: int, long, pointer. */
    static boolean isWord(MemoryLayout l) {
        return l instanceof ValueLayout.OfInt || l instanceof ValueLayout.OfLong || l instanceof AddressLayout;
    }

    /** A pointer argument's address; a heap segment has none to pass (FFM refuses it the same way). */
    private static long nativeAddress(MemorySegment s) {
        if (!s.isNative()) {
            throw new IllegalArgumentException("a heap segment cannot be passed to native code: " + s);
        }
        return s.address();
    }
}
