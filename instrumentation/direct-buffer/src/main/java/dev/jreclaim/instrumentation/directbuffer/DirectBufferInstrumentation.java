package dev.jreclaim.instrumentation.directbuffer;

import static net.bytebuddy.matcher.ElementMatchers.isConstructor;
import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.util.List;
import jdk.internal.misc.Unsafe;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.MemberSubstitution;

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
    public AgentBuilder instrument(AgentBuilder builder, InstrumentationContext context) {
        Method allocate = replacement("allocateMemory", Unsafe.class, long.class);
        Method set = replacement("setMemory", long.class, long.class, byte.class);
        Method free = replacement("freeMemory", Unsafe.class, long.class);
        return builder
                .type(named(BUFFER))
                .transform((b, type, loader, module, domain) -> b.visit(MemberSubstitution.strict()
                        .method(named("allocateMemory").and(isDeclaredBy(named(UNSAFE)))).replaceWith(allocate)
                        .method(named("setMemory").and(isDeclaredBy(named("java.nio.Bits")))).replaceWith(set)
                        .method(named("freeMemory").and(isDeclaredBy(named(UNSAFE)))).replaceWith(free)
                        .on(isConstructor().and(takesArguments(int.class)))))
                .type(named(DEALLOCATOR))
                .transform((b, type, loader, module, domain) -> b.visit(MemberSubstitution.strict()
                        .method(named("freeMemory").and(isDeclaredBy(named(UNSAFE)))).replaceWith(free)
                        .on(named("run"))));
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
