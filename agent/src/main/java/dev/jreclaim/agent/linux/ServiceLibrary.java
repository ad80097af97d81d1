package dev.jreclaim.agent.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * libjreclaim.so (agent/src/main/c): bundled in the jar, extracted to a private temporary file,
 * loaded once, and deleted again (the mapping stays). Every function returns {@code -errno} on
 * failure, as documented in jreclaim.h; the {@code int} and {@code long} constants below mirror
 * its enums.
 */
public final class ServiceLibrary {
    /** enum jr_source. */
    public static final int SOURCE_ZERO = 0, SOURCE_SNAPSHOT = 1, SOURCE_POISON = 2, SOURCE_FILE = 3, SOURCE_COUNT = 4;
    /** enum jr_state. */
    public static final int STATE_FREE = 0, STATE_LOCKED = 1, STATE_MARKING = 2, STATE_VOLATILE = 3,
            STATE_LOCKING = 4, STATE_DEAD = 5;
    /** enum jr_lock_result. */
    public static final int INTACT = 0, PURGED = 1;
    /** enum jr_counter. */
    public static final int C_EVENTS = 0, C_WP_EVENTS = 1, C_UNKNOWN_RANGE = 2, C_FREED_RANGE = 3, C_RACES = 4,
            C_REBUILD_FAILURES = 5, C_MAX_NS = 6, C_COPY_ERRORS = 7, C_SRC_BASE = 8,
            C_COUNT = C_SRC_BASE + 4 * SOURCE_COUNT;
    public static final int HIST_BUCKETS = 40;
    /** enum jr_range_stat. */
    public static final int RS_STATE = 0, RS_SOURCE = 1, RS_FAULTS = 2, RS_PAGES_RESTORED = 3, RS_PAGES_POISONED = 4,
            RS_PURGED_SINCE_MARK = 5, RS_SNAPSHOT_BYTES = 6, RS_MARKS = 7, RS_REBUILD_FAILURES = 8, RS_COUNT = 9;
    /** JR_SVC_WP. */
    public static final int SVC_WP = 1;

    private static final String RESOURCE = "native/linux-x86_64/libjreclaim.so";

    private static volatile ServiceLibrary instance;

    private final MethodHandle version, lz4Available, serviceStart, serviceStop, serviceAlive, serviceCounters,
            serviceHistogram, serviceSetTestDelay, serviceLiveRanges, serviceDrainCpus, rangeAdd, rangeRemove, rangeMark, rangeLock,
            rangeSettle, rangePin, rangeStats, watchdogArm, watchdogMessage, watchdogDisarm;

    private ServiceLibrary(SymbolLookup lib) {
        Linker l = Linker.nativeLinker();
        version = l.downcallHandle(find(lib, "jr_version"), FunctionDescriptor.of(JAVA_INT));
        lz4Available = l.downcallHandle(find(lib, "jr_lz4_available"), FunctionDescriptor.of(JAVA_INT));
        serviceStart = l.downcallHandle(find(lib, "jr_service_start"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        serviceStop = l.downcallHandle(find(lib, "jr_service_stop"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        serviceAlive = l.downcallHandle(find(lib, "jr_service_alive"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        serviceCounters = l.downcallHandle(find(lib, "jr_service_counters"),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
        serviceHistogram = l.downcallHandle(find(lib, "jr_service_histogram"),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
        serviceSetTestDelay = l.downcallHandle(find(lib, "jr_service_set_test_delay"),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        serviceLiveRanges = l.downcallHandle(find(lib, "jr_service_live_ranges"),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        serviceDrainCpus = l.downcallHandle(find(lib, "jr_service_drain_cpus"),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
        rangeAdd = l.downcallHandle(find(lib, "jr_range_add"),
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG));
        rangeRemove = l.downcallHandle(find(lib, "jr_range_remove"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        rangeMark = l.downcallHandle(find(lib, "jr_range_mark"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        rangeLock = l.downcallHandle(find(lib, "jr_range_lock"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        rangeSettle = l.downcallHandle(find(lib, "jr_range_settle"), FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        rangePin = l.downcallHandle(find(lib, "jr_range_pin"),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        watchdogArm = l.downcallHandle(find(lib, "jr_watchdog_arm"),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, ADDRESS));
        watchdogMessage = l.downcallHandle(find(lib, "jr_watchdog_message"), FunctionDescriptor.of(JAVA_INT, ADDRESS));
        watchdogDisarm = l.downcallHandle(find(lib, "jr_watchdog_disarm"), FunctionDescriptor.of(JAVA_INT));
        rangeStats = l.downcallHandle(find(lib, "jr_range_stats"),
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT));
    }

    private static MemorySegment find(SymbolLookup lib, String name) {
        return lib.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libjreclaim.so has no symbol " + name));
    }

    /** Loads the library on first use. */
    public static ServiceLibrary get() {
        ServiceLibrary l = instance;
        if (l == null) {
            synchronized (ServiceLibrary.class) {
                l = instance;
                if (l == null) {
                    l = new ServiceLibrary(load());
                    instance = l;
                }
            }
        }
        return l;
    }

    private static SymbolLookup load() {
        String arch = System.getProperty("os.arch");
        if (!"Linux".equals(System.getProperty("os.name")) || !("amd64".equals(arch) || "x86_64".equals(arch))) {
            throw new UnsupportedOperationException("jreclaim's fault service is built for Linux x86_64; this is "
                    + System.getProperty("os.name") + " " + arch);
        }
        try (InputStream in = ServiceLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("libjreclaim.so is missing from the agent jar (resource "
                        + ServiceLibrary.class.getPackageName().replace('.', '/') + "/" + RESOURCE + ")");
            }
            Path file = Files.createTempFile("jreclaim-", ".so");
            try {
                Files.copy(in, file, StandardCopyOption.REPLACE_EXISTING);
                return SymbolLookup.libraryLookup(file, Arena.global());
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot extract libjreclaim.so to " + System.getProperty("java.io.tmpdir"), e);
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        return Libc.rethrow(t);
    }

    public int version() {
        try {
            return (int) version.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public boolean lz4Available() {
        try {
            return (int) lz4Available.invokeExact() == 1;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Starts the service thread on {@code uffd}; returns the service pointer, or -errno. */
    public long serviceStart(int uffd, int flags, int capacity, int chunkPages) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            long r = (long) serviceStart.invokeExact(uffd, flags, capacity, chunkPages, out);
            return r < 0 ? r : out.get(ADDRESS, 0).address();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int serviceStop(long svc) {
        try {
            return (int) serviceStop.invokeExact(svc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** 1 running, 0 not yet or no longer running, -errno when the loop ended on its own. */
    public int serviceAlive(long svc) {
        try {
            return (int) serviceAlive.invokeExact(svc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public long[] serviceCounters(long svc) {
        return readArray(serviceCounters, svc, C_COUNT);
    }

    public long[] serviceHistogram(long svc) {
        return readArray(serviceHistogram, svc, HIST_BUCKETS);
    }

    private static long[] readArray(MethodHandle h, long svc, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG, n);
            int r = (int) h.invokeExact(svc, out, n);
            if (r < 0) {
                throw new NativeCallException("jr_service_counters", "fault service", -r);
            }
            return out.toArray(JAVA_LONG);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int serviceSetTestDelay(long svc, long nanos) {
        try {
            return (int) serviceSetTestDelay.invokeExact(svc, nanos);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Drains every CPU's page batches (see jr_drain_all_cpus in fault_service.c). */
    public int serviceDrainCpus(long svc) {
        try {
            return (int) serviceDrainCpus.invokeExact(svc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int serviceLiveRanges(long svc) {
        try {
            return (int) serviceLiveRanges.invokeExact(svc);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Returns the range handle, or -errno. */
    public long rangeAdd(long svc, long base, long length, int source, int fileFd, long fileOffset) {
        try {
            return (long) rangeAdd.invokeExact(svc, base, length, source, fileFd, fileOffset);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public int rangeRemove(long svc, long handle) {
        return call(rangeRemove, svc, handle);
    }

    public int rangeMark(long svc, long handle) {
        return call(rangeMark, svc, handle);
    }

    public int rangeLock(long svc, long handle) {
        return call(rangeLock, svc, handle);
    }

    public int rangeSettle(long svc, long handle) {
        return call(rangeSettle, svc, handle);
    }

    public int rangePin(long svc, long handle, long offset, long length) {
        try {
            return (int) rangePin.invokeExact(svc, handle, offset, length);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public long[] rangeStats(long svc, long handle) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG, RS_COUNT);
            int r = (int) rangeStats.invokeExact(svc, handle, out, RS_COUNT);
            if (r < 0) {
                throw new NativeCallException("jr_range_stats", "range handle " + handle, -r);
            }
            return out.toArray(JAVA_LONG);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * Arms the native watchdog (watchdog.c): after {@code timeout} it writes {@code message} to stdout
     * and ends the process with {@code _exit(status)}, needing nothing from the JVM.
     */
    public void watchdogArm(java.time.Duration timeout, int status, String message) {
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) watchdogArm.invokeExact(timeout.toMillis(), status, arena.allocateFrom(message));
            if (r < 0) {
                throw new NativeCallException("jr_watchdog_arm", "watchdog thread", -r);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Replaces the message the watchdog writes when it fires ("" for none). */
    public void watchdogMessage(String message) {
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) watchdogMessage.invokeExact(arena.allocateFrom(message));
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public void watchdogDisarm() {
        try {
            int r = (int) watchdogDisarm.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int call(MethodHandle h, long svc, long handle) {
        try {
            return (int) h.invokeExact(svc, handle);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
