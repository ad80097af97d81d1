package dev.jreclaim.benchmarks;

import dev.jreclaim.agent.range.LockResult;
import dev.jreclaim.agent.range.VolatileRange;
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
 * {@code mark()} then {@code lock()} of a 64 KiB SNAPSHOT range (the agent's direct buffer): the Java path
 * that carries the RangeMarked and RangeLocked events. One LZ4 snapshot of 64 KiB per operation.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public abstract class MarkLock {
    /** Held: the range lives as long as its buffer (the cleaner frees it once the buffer is unreachable). */
    private ByteBuffer buffer;
    private VolatileRange range;

    @Setup
    public void allocate() {
        ByteBuffer b = buffer = ByteBuffer.allocateDirect(64 * 1024);
        for (int i = 0; i < b.capacity(); i++) {
            b.put(i, (byte) (i / 64));
        }
        range = AgentCheck.rangeOf(b);
        if (range == null) {
            throw new IllegalStateException("the 64 KiB buffer is not the agent's memory");
        }
    }

    @Benchmark
    public LockResult markThenLock() {
        range.mark();
        return range.lock();
    }
}
