package dev.jreclaim.instrumentation.directbuffer;

import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.CallSubstitution;
import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.List;
import jdk.internal.misc.Unsafe;

/**
 * {@code ByteBuffer.allocateDirect}: in {@code DirectByteBuffer(int)}, {@code Unsafe.allocateMemory}
 * and the zeroing {@code Bits.setMemory}; in {@code DirectByteBuffer$Deallocator.run()} (and the
 * constructor's failure path), {@code Unsafe.freeMemory}. Reservation, the buffer pool counts, the
 * cleaner, slices and views stay the JDK's own.
 */
public final class DirectBufferInstrumentation implements InstrumentationModule {
    private static final String BUFFER = "java.nio.DirectByteBuffer";
    private static final String DEALLOCATOR = BUFFER + "$Deallocator";
    private static final String UNSAFE = "jdk.internal.misc.Unsafe";

    @Override
    public String name() {
        return "DirectByteBuffer";
    }

    @Override
    public Target target() {
        return Target.JDK;
    }

    @Override
    public List<String> preload() {
        return List.of(DEALLOCATOR);
    }

    @Override
    public boolean appliesTo(InstrumentationContext context) {
        return context.kinds().contains(AllocationKind.DIRECT);
    }

    @Override
    public List<CallSubstitution> substitutions() {
        Method allocate = replacement("allocateMemory", Unsafe.class, long.class);
        Method set = replacement("setMemory", long.class, long.class, byte.class);
        Method free = replacement("freeMemory", Unsafe.class, long.class);
        String constructor = "<init>(I)V"; // DirectByteBuffer(int)
        return List.of(
                CallSubstitution.in(BUFFER, constructor, UNSAFE, "allocateMemory", allocate),
                CallSubstitution.in(BUFFER, constructor, "java.nio.Bits", "setMemory", set),
                CallSubstitution.in(BUFFER, constructor, UNSAFE, "freeMemory", free),
                CallSubstitution.in(DEALLOCATOR, "run", UNSAFE, "freeMemory", free));
    }

    private static Method replacement(String name, Class<?>... parameters) {
        try {
            return DirectBufferMemory.class.getMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("DirectBufferMemory." + name + " is missing", e);
        }
    }

    @Override
    public Exercise exercise() {
        ByteBuffer b = ByteBuffer.allocateDirect(1);
        Unsafe.getUnsafe().invokeCleaner(b); // runs the Deallocator now, on this thread
        return new Exercise(AllocationKind.DIRECT, 1, 1, 1);
    }
}
