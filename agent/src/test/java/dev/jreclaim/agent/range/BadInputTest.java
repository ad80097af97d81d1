package dev.jreclaim.agent.range;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.linux.Errno;
import dev.jreclaim.agent.linux.NativeCallException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every bad call gets an exception whose message names the range or the value, and the process keeps running. */
class BadInputTest {
    RangeRegistry service;

    @BeforeEach
    void start() {
        service = RangeRegistry.start();
    }

    @AfterEach
    void stop() {
        service.close();
    }

    static void assertMessage(Throwable t, String... parts) {
        for (String p : parts) {
            assertTrue(t.getMessage().contains(p), "message '" + t.getMessage() + "' lacks '" + p + "'");
        }
    }

    @Test
    void sizes() {
        assertMessage(assertThrows(IllegalArgumentException.class, () -> service.allocate(0, RebuildSource.ZERO)),
                "must be positive", "got 0");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> service.allocate(-4096, RebuildSource.ZERO)),
                "got -4096");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> service.allocate(Long.MAX_VALUE, RebuildSource.SNAPSHOT)),
                Long.toString(Long.MAX_VALUE), "exceeds");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> service.allocate(4096, null)), "source");
        assertMessage(assertThrows(IllegalArgumentException.class, () -> service.allocate(4096, RebuildSource.FILE)),
                "allocateFromFile");
        assertEquals(0, service.ranges().size());
        assertEquals(0, service.nativeLiveRanges());
    }

    @Test
    void files() {
        Path missing = Path.of("/nonexistent/jreclaim-source.bin");
        NativeCallException e = assertThrows(NativeCallException.class, () -> service.allocateFromFile(4096, missing, 0));
        assertMessage(e, "open", missing.toString(), "ENOENT");
        assertEquals(Errno.ENOENT, e.errno());
        assertMessage(assertThrows(IllegalArgumentException.class, () -> service.allocateFromFile(4096, Path.of("/etc/hostname"), 100)),
                "offset", "100", "/etc/hostname");
    }

    @Test
    void useAfterFree() {
        VolatileRange r = service.allocate(8192, RebuildSource.SNAPSHOT);
        String name = "range#" + r.id();
        r.free();
        assertEquals(RangeState.FREE, r.state());
        assertMessage(assertThrows(IllegalStateException.class, r::free), name, "freed");
        assertMessage(assertThrows(IllegalStateException.class, r::lock), name, "freed");
        assertMessage(assertThrows(IllegalStateException.class, r::mark), name, "freed");
        assertMessage(assertThrows(IllegalStateException.class, r::purge), name, "freed");
        assertMessage(assertThrows(IllegalStateException.class, () -> r.pin(0, 1)), name, "freed");
        assertMessage(assertThrows(IllegalStateException.class, r::stats), name, "freed");
        // The memory itself is out of reach: the segment's scope was closed before the unmap.
        assertThrows(IllegalStateException.class, () -> r.segment().get(ValueLayout.JAVA_BYTE, 0));
        r.close(); // close after free is a no-op, as for any AutoCloseable
        assertEquals(0, service.nativeLiveRanges());
    }

    @Test
    void pinOutsideTheRange() {
        try (VolatileRange r = service.allocate(8192, RebuildSource.ZERO)) {
            assertMessage(assertThrows(IndexOutOfBoundsException.class, () -> r.pin(4096, 8192)), "range#" + r.id());
            assertThrows(IndexOutOfBoundsException.class, () -> r.pin(-1, 1));
        }
        try (VolatileRange p = service.allocate(8192, RebuildSource.POISON)) {
            assertTrue(p.pin(0, 1), "a LOCKED POISON range is ordinary memory: pinned");
            p.unpin();
            assertMessage(assertThrows(dev.jreclaim.agent.linux.NativeCallException.class, p::unpin), "jr_range_unpin",
                    "range#" + p.id());
        }
    }

    @Test
    void closedService() {
        VolatileRange r = service.allocate(8192, RebuildSource.SNAPSHOT);
        r.segment().fill((byte) 9);
        service.close();
        service.close(); // idempotent
        assertMessage(assertThrows(IllegalStateException.class, () -> service.allocate(4096, RebuildSource.ZERO)), "closed");
        assertMessage(assertThrows(IllegalStateException.class, service::counters), "closed");
        // A range whose service is gone is never marked: nothing could answer its faults.
        assertMessage(assertThrows(IllegalStateException.class, r::mark), "range#" + r.id(), "closed");
        assertEquals(RangeState.LOCKED, r.state());
        r.purge(); // plain memory now: a purge cannot take its bytes
        assertEquals(9, r.segment().get(ValueLayout.JAVA_BYTE, 4100));
        assertEquals(LockResult.INTACT, r.lock());
        r.free();
    }

    @Test
    void badOptions() {
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> RangeRegistry.start(new RangeRegistry.Options(null, 0, 16, 1 << 20))), "capacity 0");
        assertMessage(assertThrows(IllegalArgumentException.class,
                () -> RangeRegistry.start(new RangeRegistry.Options(null, 16, 5000, 1 << 20))), "chunkPages 5000");
    }

    @Test
    void tableFull() {
        try (RangeRegistry small = RangeRegistry.start(new RangeRegistry.Options(null, 2, 16, 1 << 20))) {
            VolatileRange a = small.allocate(4096, RebuildSource.ZERO);
            VolatileRange b = small.allocate(4096, RebuildSource.ZERO);
            NativeCallException e = assertThrows(NativeCallException.class, () -> small.allocate(4096, RebuildSource.ZERO));
            assertMessage(e, "ENOSPC", "holds 2 ranges");
            a.free();
            small.allocate(4096, RebuildSource.ZERO).free(); // the slot is reusable
            b.free();
        }
    }
}
