package dev.jreclaim.instrumentation.ffmarena;

import dev.jreclaim.instrumentation.api.AllocationKind;
import dev.jreclaim.instrumentation.api.CallSubstitution;
import dev.jreclaim.instrumentation.api.InstrumentationContext;
import dev.jreclaim.instrumentation.api.InstrumentationModule;
import java.lang.foreign.Arena;
import java.lang.foreign.ValueLayout;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import jdk.internal.misc.Unsafe;

/**
 * Every arena (confined, shared, auto, global) allocates through
 * {@code jdk.internal.foreign.SegmentFactories.allocateNativeInternal}: {@code allocateMemoryWrapper}'s
 * {@code Unsafe.allocateMemory}, the zeroing {@code initNativeMemory} (skipped by
 * {@code allocateFrom}, which takes the same path), and the free in the anonymous cleanup class
 * ({@code SegmentFactories$1.cleanup()}). Scopes, reservation for auto arenas, and alignment stay the JDK's.
 */
public final class ArenaInstrumentation implements InstrumentationModule {
    private static final String FACTORIES = "jdk.internal.foreign.SegmentFactories";
    private static final String UNSAFE = "jdk.internal.misc.Unsafe";

    @Override
    public String name() {
        return "FFM arenas";
    }

    @Override
    public Target target() {
        return Target.JDK;
    }

    /** SegmentFactories' anonymous classes: $1 frees native segments; the others have no freeMemory call. */
    @Override
    public List<String> preload() {
        List<String> names = new ArrayList<>();
        for (int i = 1; i <= 8; i++) {
            String n = FACTORIES + "$" + i;
            // A class file is never encapsulated: java.base answers for its own resource.
            if (Object.class.getResource("/" + n.replace('.', '/') + ".class") != null) {
                names.add(n);
            }
        }
        return names;
    }

    @Override
    public boolean appliesTo(InstrumentationContext context) {
        return context.kinds().contains(AllocationKind.ARENA);
    }

    @Override
    public List<CallSubstitution> substitutions() {
        Method allocate = replacement("allocateMemory", Unsafe.class, long.class);
        Method init = replacement("initNativeMemory", long.class, long.class);
        Method free = replacement("freeMemory", Unsafe.class, long.class);
        return List.of(
                CallSubstitution.in(FACTORIES, "allocateMemoryWrapper", UNSAFE, "allocateMemory", allocate),
                CallSubstitution.in(FACTORIES, "allocateNativeInternal", FACTORIES, "initNativeMemory", init),
                // Only the class whose cleanup frees holds the call; the probe checks that one frees.
                new CallSubstitution(preload(), "cleanup", UNSAFE, "freeMemory", free, true));
    }

    private static Method replacement(String name, Class<?>... parameters) {
        try {
            return ArenaMemory.class.getMethod(name, parameters);
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException("ArenaMemory." + name + " is missing", e);
        }
    }

    @Override
    public Exercise exercise() {
        try (Arena arena = Arena.ofConfined()) {
            arena.allocate(8, 8);                     // allocate + zeroing
            arena.allocateFrom(ValueLayout.JAVA_INT, 1); // allocate, no zeroing
        }                                             // two frees
        return new Exercise(AllocationKind.ARENA, 2, 1, 2);
    }
}
