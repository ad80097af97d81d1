package dev.jreclaim.agent.range;

import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What happens to faults in flight when their range is freed, when the service closes, and when the JVM exits. */
class ServiceLifecycleTest {
    @TempDir
    Path tmp;

    /** One value per 64-byte line: compressible, so SNAPSHOT chunks keep their snapshot (docs/fault-path.md). */
    static long value(long i, long seed) {
        return (i >>> 6) * 0x9E3779B97F4A7C15L + seed;
    }

    static void fill(MemorySegment s, long seed) {
        for (long i = 0; i < s.byteSize(); i += 8) {
            s.set(JAVA_LONG, i, value(i, seed));
        }
    }

    static long wrong(MemorySegment s, long seed) {
        long bad = 0;
        for (long i = 0; i < s.byteSize(); i += 8) {
            if (s.get(JAVA_LONG, i) != value(i, seed)) {
                bad++;
            }
        }
        return bad;
    }

    static void await(BooleanSupplier condition, Duration limit, String what) throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + limit + " waiting for " + what);
            }
            Thread.sleep(1);
        }
    }

    @Test
    void rangeFreedWhileItsFaultIsInFlight() throws Exception {
        try (RangeRegistry svc = RangeRegistry.start()) {
            VolatileRange r = svc.allocate(1 << 20, RebuildSource.SNAPSHOT);
            fill(r.segment(), 1);
            r.mark();
            r.purge();
            // A kernel-mode access (write(2) from the buffer) through an address not bound to the range's scope,
            // as a JDK buffer made over the range would be: nothing stops free() from racing it.
            ByteBuffer raw = MemorySegment.ofAddress(r.address()).reinterpret(r.byteSize()).asByteBuffer();
            svc.injectServiceDelayForTesting(Duration.ofMillis(300));
            long before = svc.counters().faultEvents();
            CompletableFuture<String> writer = CompletableFuture.supplyAsync(() -> {
                try (FileChannel ch = FileChannel.open(tmp.resolve("out"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                    return "wrote " + ch.write(raw);
                } catch (IOException e) {
                    return "failed: " + e.getMessage();
                }
            });
            await(() -> svc.counters().faultEvents() > before, Duration.ofSeconds(10), "the write's fault to reach the service");
            r.free(); // while the service is still delaying its answer
            String outcome = writer.get(10, TimeUnit.SECONDS);
            assertTrue(outcome.startsWith("wrote") || outcome.contains("Bad address"), outcome);
            await(() -> svc.counters().staleEvents() >= 1, Duration.ofSeconds(10), "the service to drop the stale event");
            svc.injectServiceDelayForTesting(Duration.ZERO);
            // The service survived and still answers other ranges correctly.
            assertTrue(svc.isAlive());
            try (VolatileRange other = svc.allocate(1 << 20, RebuildSource.SNAPSHOT)) {
                fill(other.segment(), 2);
                other.mark();
                other.purge();
                assertEquals(0, wrong(other.segment(), 2));
            }
            assertEquals(0, svc.nativeLiveRanges());
        }
    }

    @Test
    void closeWhileThreadsFaultLeavesNoThreadBlockedAndNoByteWrong() throws Exception {
        RangeRegistry svc = RangeRegistry.start();
        List<VolatileRange> ranges = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            VolatileRange r = svc.allocate(4 << 20, RebuildSource.SNAPSHOT);
            fill(r.segment(), i);
            r.mark();
            r.purge();
            ranges.add(r);
        }
        svc.injectServiceDelayForTesting(Duration.ofMillis(2));
        AtomicLong bad = new AtomicLong();
        CountDownLatch started = new CountDownLatch(ranges.size());
        List<Thread> readers = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            int seed = i;
            MemorySegment s = ranges.get(i).segment();
            Thread t = Thread.ofPlatform().name("reader-" + i).start(() -> {
                started.countDown();
                for (int pass = 0; pass < 3; pass++) {
                    bad.addAndGet(wrong(s, seed));
                }
            });
            readers.add(t);
        }
        started.await();
        long before = System.nanoTime();
        await(() -> svc.counters().faultEvents() > 4, Duration.ofSeconds(10), "readers to fault");
        svc.close();
        for (Thread t : readers) {
            t.join(Duration.ofSeconds(30));
            assertFalse(t.isAlive(), t.getName() + " is still blocked after close");
        }
        System.out.printf("close during faults: returned after %d ms%n", (System.nanoTime() - before) / 1_000_000);
        assertEquals(0, bad.get(), "wrong longs read across close");
        for (VolatileRange r : ranges) {
            assertEquals(RangeState.LOCKED, r.state());
            r.purge();
            assertEquals(0, wrong(r.segment(), ranges.indexOf(r)), "bytes after close and purge in " + r);
            assertThrows(IllegalStateException.class, r::mark);
            r.free();
        }
    }

    /** The JVM exits while a thread waits for a (slow) fault: exit needs a safepoint, which the answer unblocks. */
    @Test
    void jvmExitsWhileAThreadWaitsForAFault() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        Process p = new ProcessBuilder(java, "--enable-native-access=ALL-UNNAMED", "-Xmx64m", "-cp", cp,
                ExitWhileFaulting.class.getName()).redirectErrorStream(true).start();
        boolean exited = p.waitFor(60, TimeUnit.SECONDS);
        String out = new String(p.getInputStream().readAllBytes());
        if (!exited) {
            p.destroyForcibly();
        }
        assertTrue(exited, "child JVM did not exit within 60 s:\n" + out);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("exiting with a fault in flight"), out);
    }

    /** Child program for {@link #jvmExitsWhileAThreadWaitsForAFault}. */
    public static final class ExitWhileFaulting {
        public static void main(String[] args) throws Exception {
            RangeRegistry svc = RangeRegistry.start();
            VolatileRange r = svc.allocate(1 << 20, RebuildSource.SNAPSHOT);
            fill(r.segment(), 5);
            r.mark();
            r.purge();
            svc.injectServiceDelayForTesting(Duration.ofSeconds(3));
            Thread.ofPlatform().daemon().start(() -> wrong(r.segment(), 5));
            await(() -> svc.counters().faultEvents() > 0, Duration.ofSeconds(20), "the fault");
            System.out.println("exiting with a fault in flight");
            System.out.flush();
            System.exit(0);
        }
    }
}
