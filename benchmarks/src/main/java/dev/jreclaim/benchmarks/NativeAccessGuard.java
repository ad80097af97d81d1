package dev.jreclaim.benchmarks;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The pin around a guarded JDK call (instrumentation/native-io): {@code CRC32.update} of 64 bytes of a direct
 * buffer. {@code unmatched}: a 64-byte buffer under the rule's minimum (the JDK mallocs it; the guard's address-range
 * precheck or its floor lookup says "not the agent's"); {@code matched}: 64 bytes inside a 1 MiB buffer of the rule
 * (a pin and an unpin: lookup, two downcalls, one page touched). The plain JDK fork is the baseline; the difference
 * is the guard's cost per call.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public abstract class NativeAccessGuard {
    @Param({"unmatched", "matched"})
    public String buffer;

    private ByteBuffer b;
    private final CRC32 crc = new CRC32();

    abstract boolean withAgent();

    @Setup
    public void setup() {
        boolean matched = buffer.equals("matched");
        ByteBuffer whole = ByteBuffer.allocateDirect(matched ? 1 << 20 : 64);
        if (withAgent()) {
            AgentCheck.expect(whole, matched);
        }
        for (int i = 0; i < whole.capacity(); i++) {
            whole.put(i, (byte) i);
        }
        b = whole.slice(matched ? 4096 * 3 + 100 : 0, 64);
    }

    @Benchmark
    public long crc32Update() {
        crc.reset();
        crc.update(b.clear());
        return crc.getValue();
    }
}
