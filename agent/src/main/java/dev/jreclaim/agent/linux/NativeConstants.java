package dev.jreclaim.agent.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The constants of agent/src/main/c/jreclaim.h, as Java compiles them. The library exports its own values
 * ({@code jr_constants}); {@link #check} compares the two when the library loads, so a header changed
 * without its Java twin (or a stale library) is refused with one message instead of answering with wrong
 * codes. Every name is the header's.
 */
public final class NativeConstants {
    public static final int JR_VERSION = 4;

    /** enum jr_source. */
    public static final int JR_SOURCE_ZERO = 0, JR_SOURCE_SNAPSHOT = 1, JR_SOURCE_POISON = 2, JR_SOURCE_FILE = 3,
            JR_SOURCE_COUNT = 4;
    /** enum jr_state. */
    public static final int JR_STATE_FREE = 0, JR_STATE_LOCKED = 1, JR_STATE_MARKING = 2, JR_STATE_VOLATILE = 3,
            JR_STATE_LOCKING = 4, JR_STATE_DEAD = 5, JR_STATE_COUNT = 6;
    /** enum jr_lock_result. */
    public static final int JR_INTACT = 0, JR_PURGED = 1;
    /** enum jr_counter. */
    public static final int JR_C_EVENTS = 0, JR_C_WP_EVENTS = 1, JR_C_UNKNOWN_RANGE = 2, JR_C_FREED_RANGE = 3,
            JR_C_RACES = 4, JR_C_REBUILD_FAILURES = 5, JR_C_MAX_NS = 6, JR_C_INSTALL_ERRORS = 7, JR_C_READ_ERRORS = 8,
            JR_C_LOCKS_INTACT = 9, JR_C_LOCKS_PURGED = 10, JR_C_SRC_BASE = 11,
            JR_C_SNAPSHOT_HELD = JR_C_SRC_BASE + 4 * JR_SOURCE_COUNT, JR_C_CHUNKS_INCOMPRESSIBLE = JR_C_SNAPSHOT_HELD + 1,
            JR_C_CHUNKS_OVER_BUDGET = JR_C_SNAPSHOT_HELD + 2, JR_C_CHUNKS_KEPT = JR_C_SNAPSHOT_HELD + 3,
            JR_C_AGENT_BYTES = JR_C_SNAPSHOT_HELD + 4,
            JR_C_FILE_PAGES = JR_C_SNAPSHOT_HELD + 5, JR_C_FILE_VERIFIED = JR_C_SNAPSHOT_HELD + 6,
            JR_C_FILE_UNVERIFIED = JR_C_SNAPSHOT_HELD + 7, JR_C_FILE_STALE = JR_C_SNAPSHOT_HELD + 8,
            JR_C_FILE_MISSING = JR_C_SNAPSHOT_HELD + 9, JR_C_FILE_IO_ERRORS = JR_C_SNAPSHOT_HELD + 10,
            JR_C_RECORDS_HELD = JR_C_SNAPSHOT_HELD + 11, JR_C_FIRST_WRITES = JR_C_SNAPSHOT_HELD + 12,
            JR_C_FILE_REOPENS = JR_C_SNAPSHOT_HELD + 13,
            JR_C_FILE_EVICTIONS = JR_C_SNAPSHOT_HELD + 14, JR_C_FILES_OPEN = JR_C_SNAPSHOT_HELD + 15,
            JR_C_FILES_TRACKED = JR_C_SNAPSHOT_HELD + 16, JR_C_FILE_HASH_MISMATCH = JR_C_SNAPSHOT_HELD + 17,
            JR_C_FILE_FELL_TO_SNAPSHOT = JR_C_SNAPSHOT_HELD + 18, JR_C_PREFETCHED_PAGES = JR_C_SNAPSHOT_HELD + 19,
            JR_C_SPILL_HELD = JR_C_SNAPSHOT_HELD + 20, JR_C_CHUNKS_SPILLED = JR_C_SNAPSHOT_HELD + 21,
            JR_C_SPILL_WRITE_BYTES = JR_C_SNAPSHOT_HELD + 22, JR_C_SPILL_READ_BYTES = JR_C_SNAPSHOT_HELD + 23,
            JR_C_SPILL_ERRORS = JR_C_SNAPSHOT_HELD + 24, JR_C_SPILL_READ_ERRORS = JR_C_SNAPSHOT_HELD + 25,
            JR_C_COUNT = JR_C_SNAPSHOT_HELD + 26;
    public static final int JR_HIST_BUCKETS = 40;
    /** enum jr_range_stat. */
    public static final int JR_RS_STATE = 0, JR_RS_SOURCE = 1, JR_RS_FAULTS = 2, JR_RS_PAGES_RESTORED = 3,
            JR_RS_PAGES_POISONED = 4, JR_RS_PURGED_SINCE_MARK = 5, JR_RS_SNAPSHOT_BYTES = 6, JR_RS_MARKS = 7,
            JR_RS_REBUILD_FAILURES = 8, JR_RS_REGISTERED = 9, JR_RS_BYTES = 10, JR_RS_RESIDENT_PAGES = 11,
            JR_RS_KEPT_PAGES = 12, JR_RS_WRITTEN_PAGES = 13, JR_RS_COUNT = 14;
    /** JR_SVC_WP: range registrations use UFFDIO_REGISTER_MODE_WP. */
    public static final int JR_SVC_WP = 1;
    /** JR_SVC_NO_PREFETCH: a fault restores its own chunk only, nothing ahead of a sequential reader. */
    public static final int JR_SVC_NO_PREFETCH = 2;
    /** JR_SVC_NO_SPIN: no service worker polls for the next fault after one; each sleeps at once. */
    public static final int JR_SVC_NO_SPIN = 4;
    /** JR_SVC_DEFAULT_SLICE: the service workers keep the kernel's default scheduler slice. */
    public static final int JR_SVC_DEFAULT_SLICE = 8;
    /** JR_SVC_WORKERS_SHIFT: flags bits 8-15 are the service's reading workers (0: one per CPU, at least 2). */
    public static final int JR_SVC_WORKERS_SHIFT = 8;
    /** JR_MAX_WORKERS: the service's workers at most; JR_BLOCKED_WORKERS of them stand in for those blocked in a file read. */
    public static final int JR_MAX_WORKERS = 8, JR_BLOCKED_WORKERS = 2;
    /** JR_MAX_CHUNK_PAGES: pages per chunk, also the most one fault restores. */
    public static final int JR_MAX_CHUNK_PAGES = 4096;
    /** jr_lz4_available(): LZ4 missing, opened as liblz4.so.1, or linked into the library. */
    public static final int JR_LZ4_MISSING = 0, JR_LZ4_SHARED = 1, JR_LZ4_BUNDLED = 2;
    /** A SNAPSHOT range's fallback for a chunk whose snapshot did not pay: ordinary memory, or zeros. */
    public static final int JR_FALLBACK_KEEP = 0, JR_FALLBACK_ZERO = 1;
    /** The default of jr_service_set_snapshot_limits' ratio, in percent. */
    public static final int JR_SNAPSHOT_MIN_RATIO_PCT = 125;
    /** jr_service_set_spill modes: snapshots in memory only, in the spill file past the memory limit, or always there. */
    public static final int JR_SPILL_OFF = 0, JR_SPILL_OVER_BUDGET = 1, JR_SPILL_ALWAYS = 2;
    /** enum jr_memory_stat. */
    public static final int JR_MS_REGIONS = 0, JR_MS_RESERVED_BYTES = 1, JR_MS_SLOT_BYTES = 2, JR_MS_HANDED_BYTES = 3,
            JR_MS_MAPS = 4, JR_MS_MAP_LIMIT = 5, JR_MS_MAX_MAP_COUNT = 6, JR_MS_MAP_COUNTS = 7,
            JR_MS_ALLOC_REFUSED_MAPS = 8, JR_MS_ALLOC_REFUSED_NOMEM = 9, JR_MS_REGISTER_REFUSED = 10,
            JR_MS_RECYCLED_BYTES = 11, JR_MS_RECYCLE_HITS = 12, JR_MS_RECYCLE_REFUSED = 13,
            JR_MS_RECYCLED_HOT_BYTES = 14, JR_MS_COUNT = 15;
    /** JR_RECYCLE_MAX_DEFAULT: the bound on recycled slots' bytes until jr_service_set_recycle_max. */
    public static final long JR_RECYCLE_MAX_DEFAULT = 64L << 20;
    /** JR_MAP_RESERVE_PERCENT: the library makes no mapping past this percentage of vm.max_map_count. */
    public static final int JR_MAP_RESERVE_PERCENT = 50;
    /** JR_MAX_FILES: files page provenance may name at once; descriptors: an LRU of JR_DEFAULT_MAX_OPEN_FILES (at most JR_MAX_OPEN_FILES). */
    public static final int JR_MAX_FILES = 1048576, JR_DEFAULT_MAX_OPEN_FILES = 256, JR_MAX_OPEN_FILES = 65536;
    /** jr_range_set_file_policy bits: a per-page hash checked after the pread; rebuild:snapshot after rebuild:file. */
    public static final int JR_FILE_HASH = 1, JR_FILE_SNAPSHOT = 2, JR_FILE_THROW = 4;

    private NativeConstants() {}

    /**
     * Every constant above by its header name, and the kernel ABI values {@link UffdAbi} shares with the
     * library (the handshake Java makes asks for the features the service relies on).
     */
    static Map<String, Long> expected() {
        Map<String, Long> m = new LinkedHashMap<>();
        for (java.lang.reflect.Field f : NativeConstants.class.getFields()) {
            m.put(f.getName(), value(f));
        }
        for (String shared : List.of("UFFD_API", "UFFD_FEATURE_PAGEFAULT_FLAG_WP", "UFFD_FEATURE_THREAD_ID",
                "UFFD_FEATURE_POISON")) {
            try {
                m.put(shared, value(UffdAbi.class.getField(shared)));
            } catch (NoSuchFieldException e) {
                throw new IllegalStateException("UffdAbi lacks " + shared, e);
            }
        }
        return m;
    }

    private static long value(java.lang.reflect.Field f) {
        try {
            return ((Number) f.get(null)).longValue();
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The library's table: name to value, in its order. */
    static Map<String, Long> exported(SymbolLookup lib) {
        MethodHandle h = NativeLibrary.sharedDowncall(lib, "jr_constants", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ADDRESS);
            int n = (int) h.invokeExact(out);
            MemorySegment table = out.get(ADDRESS, 0).reinterpret(16L * Math.max(n, 0));
            Map<String, Long> m = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String name = table.get(ADDRESS, 16L * i).reinterpret(256).getString(0);
                m.put(name, table.get(JAVA_LONG, 16L * i + 8));
            }
            return m;
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /**
     * The differences between what Java expects and what the library exports, one phrase each: a value that
     * differs, a name only one side has. Empty when they agree.
     */
    static List<String> mismatches(Map<String, Long> expected, Map<String, Long> exported) {
        List<String> out = new ArrayList<>();
        expected.forEach((name, value) -> {
            Long theirs = exported.get(name);
            if (theirs == null) {
                out.add(name + " is not exported by the library");
            } else if (!theirs.equals(value)) {
                out.add(name + " is " + theirs + " in the library but " + value + " in Java");
            }
        });
        exported.keySet().stream().filter(n -> !expected.containsKey(n))
                .forEach(n -> out.add(n + " has no Java twin in NativeConstants"));
        return out;
    }

    /** @throws IllegalStateException naming every mismatch, when the library and Java disagree */
    static void check(SymbolLookup lib) {
        failIfMismatched(expected(), exported(lib));
    }

    static void failIfMismatched(Map<String, Long> expected, Map<String, Long> exported) {
        List<String> m = mismatches(expected, exported);
        if (!m.isEmpty()) {
            throw new IllegalStateException("libjreclaim.so does not match the agent's Java side (built from another"
                    + " jreclaim.h): " + String.join("; ", m));
        }
    }
}
