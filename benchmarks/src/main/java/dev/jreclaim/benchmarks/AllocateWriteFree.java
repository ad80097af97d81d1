package dev.jreclaim.benchmarks;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Issue 11's allocation goal: {@code ByteBuffer.allocateDirect(1 MiB)}, a write of every long of it, then its free
 * ({@code Unsafe.invokeCleaner}), in one operation. Unlike {@link AllocateDirect}, the write makes the plain
 * JDK's zeroing and the agent's fresh pages (first-touch faults) both count. 1 MiB is matched by the benchmarks'
 * rule (a VolatileRange) when the fork runs the agent; the subclasses only choose the fork's JVM arguments.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public abstract class AllocateWriteFree {
    static final int SIZE = 1 << 20;
    private static final sun.misc.Unsafe UNSAFE = unsafe();

    abstract boolean withAgent();

    @Setup
    public void check() {
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        if (withAgent()) {
            AgentCheck.expect(b, true);
        }
        UNSAFE.invokeCleaner(b);
    }

    @Benchmark
    public long allocateWriteFree() {
        ByteBuffer b = ByteBuffer.allocateDirect(SIZE);
        for (int p = 0; p < SIZE; p += 8) {
            b.putLong(p, p);
        }
        long last = b.getLong(SIZE - 8);
        UNSAFE.invokeCleaner(b);
        return last;
    }

    private static sun.misc.Unsafe unsafe() {
        try {
            Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
            f.setAccessible(true);
            return (sun.misc.Unsafe) f.get(null);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }
}
