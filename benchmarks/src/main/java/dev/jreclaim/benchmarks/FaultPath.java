package dev.jreclaim.benchmarks;

import dev.jreclaim.agent.range.VolatileRange;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The fault path: a 4 MiB direct buffer (the agent's SNAPSHOT range) is marked and purged before each
 * invocation (not timed), then read back one byte per page, every page rebuilt by the native fault
 * service. The score is pages restored per second ({@code @OperationsPerInvocation} = pages).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public abstract class FaultPath {
    static final int SIZE = 4 << 20;
    static final int PAGE = 4096;
    static final int PAGES = SIZE / PAGE;

    private ByteBuffer buffer;
    private VolatileRange range;

    @Setup(Level.Trial)
    public void allocate() {
        buffer = ByteBuffer.allocateDirect(SIZE);
        for (int i = 0; i < SIZE; i += 8) {
            buffer.putLong(i, i / 64); // compressible, different on every page
        }
        range = AgentCheck.rangeOf(buffer);
        if (range == null) {
            throw new IllegalStateException("the 4 MiB buffer is not the agent's memory");
        }
    }

    @Setup(Level.Invocation)
    public void markAndPurge() {
        range.mark();
        range.purge();
    }

    @Benchmark
    @OperationsPerInvocation(PAGES)
    public long readBack() {
        long sum = 0;
        for (int i = 0; i < SIZE; i += PAGE) {
            sum += buffer.get(i);
        }
        return sum;
    }
}
