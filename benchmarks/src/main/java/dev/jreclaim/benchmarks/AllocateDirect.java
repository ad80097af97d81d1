package dev.jreclaim.benchmarks;

import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * {@code ByteBuffer.allocateDirect(size)} and its free, in one operation. The buffer is freed at once
 * with {@code Unsafe.invokeCleaner} (the JDK's own Deallocator, which the agent instruments) so that
 * neither GC nor direct-memory reservation stalls are measured. 64 B is under the rule's 64 KiB minimum
 * (unmatched: the JDK mallocs it); 64 KiB and 1 MiB are matched (a VolatileRange: a slot of the library's
 * regions, recycled at free, docs/fault-path.md "How ranges share mappings"). {@link #allocateWriteFree}
 * also writes every byte, as a buffer's user does: there the pages the memory comes with are paid (the
 * plain JDK's malloc reuses warm memory and zeroes it; the agent's slot must not cost a fault per page).
 * The subclasses only choose the fork's JVM arguments.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class AllocateDirect {
    private static final sun.misc.Unsafe UNSAFE = unsafe();

    @Param({"64", "65536", "1048576"})
    public int size;

    /** Whether this fork runs the agent; with it, 1 MiB must be the agent's memory and 64 B must not. */
    abstract boolean withAgent();

    @Setup
    public void check() {
        if (withAgent()) {
            ByteBuffer b = ByteBuffer.allocateDirect(size);
            AgentCheck.expect(b, size >= 64 * 1024);
            UNSAFE.invokeCleaner(b);
        }
    }

    @Benchmark
    public ByteBuffer allocateAndFree() {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        UNSAFE.invokeCleaner(b);
        return b;
    }

    /** Allocate, write every byte (a long at a time), free. */
    @Benchmark
    public ByteBuffer allocateWriteFree() {
        ByteBuffer b = ByteBuffer.allocateDirect(size);
        for (int i = 0; i + Long.BYTES <= size; i += Long.BYTES) {
            b.putLong(i, i);
        }
        UNSAFE.invokeCleaner(b);
        return b;
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
