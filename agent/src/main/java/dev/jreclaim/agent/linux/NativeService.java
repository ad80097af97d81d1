package dev.jreclaim.agent.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * The native fault service (agent/src/main/c/fault_service.c): the pointer {@code jr_service_start}
 * returned, and the downcalls that take it. The pointer is valid until {@link #stop}; the caller
 * ({@code range.RangeRegistry}) guarantees no call follows it.
 */
public final class NativeService {
    // One holder class per downcall, linked on first use (as in Libc): each shape costs the JDK milliseconds and
    // hundreds of KiB of heap to link, which start-up would pay for calls it may never make (docs/benchmarks.md, "Footprint").
    // All but jr_mark_batch (a mark's path) share their arity's shape (SharedShape): start links fewer stubs.
    // jr_service_stop is linked with jr_service_start: a started service can always be stopped.
    private static final class Handles {
        static final MethodHandle START = NativeLibrary.sharedDowncall("jr_service_start",
                FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS));
        static final MethodHandle STOP = NativeLibrary.sharedDowncall("jr_service_stop", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    }
    private static final class AliveH {
        static final MethodHandle ALIVE = NativeLibrary.sharedDowncall("jr_service_alive", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    }
    private static final class CountersH {
        static final MethodHandle COUNTERS = NativeLibrary.sharedDowncall("jr_service_counters",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
    }
    private static final class HistogramH {
        static final MethodHandle HISTOGRAM = NativeLibrary.sharedDowncall("jr_service_histogram",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
    }
    private static final class TestDelayH {
        static final MethodHandle SET_TEST_DELAY = NativeLibrary.sharedDowncall("jr_service_set_test_delay",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    }
    private static final class SnapshotLimitsH {
        static final MethodHandle SET_SNAPSHOT_LIMITS = NativeLibrary.sharedDowncall("jr_service_set_snapshot_limits",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT, JAVA_LONG));
    }
    private static final class SpillH {
        static final MethodHandle SET_SPILL = NativeLibrary.sharedDowncall("jr_service_set_spill",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
    }
    private static final class MaxOpenFilesH {
        static final MethodHandle SET_MAX_OPEN_FILES = NativeLibrary.sharedDowncall("jr_service_set_max_open_files",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    }
    private static final class MemoryH {
        static final MethodHandle MEMORY = NativeLibrary.sharedDowncall("jr_service_memory",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, ADDRESS, JAVA_INT));
    }
    private static final class MapLimitH {
        static final MethodHandle SET_MAP_LIMIT = NativeLibrary.sharedDowncall("jr_service_set_map_limit",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    }
    private static final class RecycleMaxH {
        static final MethodHandle SET_RECYCLE_MAX = NativeLibrary.sharedDowncall("jr_service_set_recycle_max",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    }
    private static final class LiveRangesH {
        static final MethodHandle LIVE_RANGES = NativeLibrary.sharedDowncall("jr_service_live_ranges",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    }
    private static final class MarkBatchH {
        static final MethodHandle MARK_BATCH = NativeLibrary.downcall("jr_mark_batch",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_INT));
    }

    private final long pointer;
    private final String subject;
    private final int capacity;

    private NativeService(long pointer, String subject, int capacity) {
        this.pointer = pointer;
        this.subject = subject;
        this.capacity = capacity;
    }

    /** How many ranges the table holds at most. */
    public int capacity() {
        return capacity;
    }

    /**
     * Starts the service thread on {@code uffd}.
     *
     * @param writeProtect whether ranges are registered with UFFDIO_REGISTER_MODE_WP (JR_SVC_WP)
     * @throws NativeCallException naming jr_service_start and the descriptor
     */
    public static NativeService start(int uffd, boolean writeProtect, int capacity, int chunkPages) {
        String subject = "fault service on userfaultfd " + uffd;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            long r = (long) Handles.START.invokeExact(uffd, writeProtect ? NativeConstants.JR_SVC_WP : 0, capacity,
                    chunkPages, out);
            if (r < 0) {
                throw new NativeCallException("jr_service_start", subject, (int) -r);
            }
            return new NativeService(out.get(ADDRESS, 0).address(), subject, capacity);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** The pointer, for {@link NativeRange}'s downcalls. */
    long pointer() {
        return pointer;
    }

    /** Ends the thread and frees the table (every range must be gone: removed or detached). */
    public void stop() {
        try {
            int r = (int) Handles.STOP.invokeExact(pointer);
            if (r < 0) {
                throw new NativeCallException("jr_service_stop", subject, -r);
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** Whether the thread is in its loop, answering faults (false once it ended, on its own or stopped). */
    public boolean alive() {
        try {
            return (int) AliveH.ALIVE.invokeExact(pointer) == 1;
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** enum jr_counter, indexed by {@code NativeConstants.JR_C_*}. */
    public long[] counters() {
        return readArray(CountersH.COUNTERS, "jr_service_counters", NativeConstants.JR_C_COUNT);
    }

    /** Answers per latency bucket: bucket i counts [2^i, 2^(i+1)) ns. */
    public long[] histogram() {
        return readArray(HistogramH.HISTOGRAM, "jr_service_histogram", NativeConstants.JR_HIST_BUCKETS);
    }

    /** enum jr_memory_stat (the ranges' regions and the mapping budget), indexed by {@code NativeConstants.JR_MS_*}. */
    public long[] memory() {
        return readArray(MemoryH.MEMORY, "jr_service_memory", NativeConstants.JR_MS_COUNT);
    }

    /** The mapping budget: no new mapping past {@code limit} mappings in the process; 0 for the default. */
    public void setMapLimit(long limit) {
        try {
            int r = (int) MapLimitH.SET_MAP_LIMIT.invokeExact(pointer, limit);
            if (r < 0) {
                throw new NativeCallException("jr_service_set_map_limit(" + limit + ")", subject, -r);
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private long[] readArray(MethodHandle h, String call, int n) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG, n);
            int r = (int) h.invokeExact(pointer, out, n);
            if (r < 0) {
                throw new NativeCallException(call, subject, -r);
            }
            return out.toArray(JAVA_LONG);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * jr_mark_batch: {@code begin} drains every CPU once and makes this thread's marks skip their own drains;
     * the end drains once more. {@code service} null ends the batch without a drain (the service is gone).
     */
    public static void markBatch(NativeService service, boolean begin) {
        try {
            int r = (int) MarkBatchH.MARK_BATCH.invokeExact(service == null ? 0L : service.pointer, begin ? 1 : 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** Fault injection for tests: the service waits this long before answering each fault. */
    public void setTestDelay(long nanos) {
        try {
            int r = (int) TestDelayH.SET_TEST_DELAY.invokeExact(pointer, nanos);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * A chunk keeps its snapshot only when its LZ4 form is at most {@code 100 / minRatioPct} of it and all
     * snapshots together stay within {@code maxBytes}; otherwise it takes its range's fallback
     * ({@link NativeRange#setFallback}).
     */
    public void setSnapshotLimits(int minRatioPct, long maxBytes) {
        try {
            int r = (int) SnapshotLimitsH.SET_SNAPSHOT_LIMITS.invokeExact(pointer, minRatioPct, maxBytes);
            if (r < 0) {
                throw new NativeCallException("jr_service_set_snapshot_limits(" + minRatioPct + "%, " + maxBytes + ")",
                        subject, -r);
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * Opens the snapshot spill file in {@code dir} (no name; docs/fault-path.md, "Spilling snapshots to a file") and
     * sends the chunks' LZ4 blocks there by {@code mode} ({@code JR_SPILL_*}). Once, before the first mark.
     *
     * @throws NativeCallException naming the directory; errno EXDEV when it is on tmpfs or ramfs (memory, where a spill
     *                             pays nothing)
     */
    public void setSpill(String dir, int mode) {
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) SpillH.SET_SPILL.invokeExact(pointer, arena.allocateFrom(dir), mode);
            if (r < 0) {
                throw new NativeCallException("jr_service_set_spill(" + dir + ", mode " + mode + ")", subject, -r);
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** At most n descriptors of rebuild:file's files open at once (an LRU; evicted files are reopened by path). */
    public void setMaxOpenFiles(int n) {
        try {
            int r = (int) MaxOpenFilesH.SET_MAX_OPEN_FILES.invokeExact(pointer, n);
            if (r < 0) {
                throw new NativeCallException("jr_service_set_max_open_files(" + n + ")", subject, -r);
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * Freed ranges that were never marked keep their slot zeroed (MADV_FREE'd) for the next range of its size
     * class while all such slots hold at most {@code maxBytes}; 0 recycles nothing (range_memory.c, "Recycling").
     */
    public void setRecycleMax(long maxBytes) {
        try {
            int r = (int) RecycleMaxH.SET_RECYCLE_MAX.invokeExact(pointer, maxBytes);
            if (r < 0) {
                throw new NativeCallException("jr_service_set_recycle_max(" + maxBytes + ")", subject, -r);
            }
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** Live ranges in the native table. */
    public int liveRanges() {
        try {
            int r = (int) LiveRangesH.LIVE_RANGES.invokeExact(pointer);
            if (r < 0) {
                throw new NativeCallException("jr_service_live_ranges", subject, -r);
            }
            return r;
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    @Override
    public String toString() {
        return subject;
    }
}
