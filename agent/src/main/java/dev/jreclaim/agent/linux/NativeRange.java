package dev.jreclaim.agent.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/**
 * A range of the native table (agent/src/main/c/range_protocol.c): its handle and the downcalls that take
 * it. The library owns the range's mapping, registration and file; each operation is one downcall. Every
 * errno becomes an exception naming the call and the range:
 * <ul>
 * <li>{@code EBADF}: a stale handle, the range was freed: {@link IllegalStateException};
 * <li>{@code EBUSY}: another thread is marking or locking it: {@link IllegalStateException};
 * <li>{@code EOPNOTSUPP}: a SNAPSHOT mark without write-protect support: {@link UnsupportedOperationException};
 * <li>{@code EAGAIN} from mark or remove: the range is pinned ({@link #markUnlessPinned}, {@link #removeUnlessPinned});
 * <li>{@code ERANGE} from pin: a span outside the range: {@link IndexOutOfBoundsException};
 * <li>anything else: {@link NativeCallException}.
 * </ul>
 */
public final class NativeRange {
    private static final class Handles {
        static final MethodHandle ADD = NativeLibrary.downcall("jr_range_add",
                FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS));
        static final MethodHandle REMOVE = op("jr_range_remove");
        static final MethodHandle MARK = op("jr_range_mark");
        static final MethodHandle LOCK = op("jr_range_lock");
        static final MethodHandle DETACH = op("jr_range_detach");
        static final MethodHandle PURGE = op("jr_range_purge");
        static final MethodHandle PIN = NativeLibrary.downcall("jr_range_pin",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG));
        static final MethodHandle SET_FALLBACK = NativeLibrary.downcall("jr_range_set_fallback",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        static final MethodHandle UNPIN = op("jr_range_unpin");
        static final MethodHandle WRITTEN_PAGES = op("jr_range_written_pages");
        static final MethodHandle SET_FILE_POLICY = NativeLibrary.downcall("jr_range_set_file_policy",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
        static final MethodHandle PROVENANCE = NativeLibrary.downcall("jr_range_provenance",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_LONG));
        static final MethodHandle STATS = NativeLibrary.downcall("jr_range_stats",
                FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_INT));

        private static MethodHandle op(String name) {
            return NativeLibrary.downcall(name, FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
        }
    }

    private final NativeService service;
    private final long handle;
    private final long base;

    private NativeRange(NativeService service, long handle, long base) {
        this.service = service;
        this.handle = handle;
        this.base = base;
    }

    /**
     * Maps {@code length} bytes (a multiple of the page size) as a LOCKED range of {@code source}. A FILE range's
     * descriptor passes to the library on success; on failure the caller still owns it.
     *
     * @param what the range as messages name it
     */
    public static NativeRange add(NativeService service, long length, int source, int fileFd, long fileOffset,
            String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG);
            long h = (long) Handles.ADD.invokeExact(service.pointer(), length, source, fileFd, fileOffset, out);
            if (h < 0) {
                int errno = (int) -h;
                String why = errno == Errno.ENOPKG ? " (liblz4.so.1 is not installed: apt-get install liblz4-1)"
                        : errno == Errno.ENOSPC ? " (the range table holds " + service.capacity() + " ranges)"
                        : errno == Errno.EMFILE ? " (a new mapping would pass the library's mapping budget, "
                                + NativeConstants.JR_MAP_RESERVE_PERCENT + "% of vm.max_map_count)"
                        : errno == Errno.ENOMEM ? " (the kernel refused a mapping)" : "";
                throw new NativeCallException("jr_range_add" + why, what, errno);
            }
            return new NativeRange(service, h, out.get(JAVA_LONG, 0));
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** The handle: (generation << 32 | slot), unique over the service's life. */
    public long handle() {
        return handle;
    }

    /** The mapping's base address. */
    public long base() {
        return base;
    }

    /** Unregisters, removes, unmaps and closes the file (jr_range_remove). */
    public void remove(String what) {
        check(call(Handles.REMOVE), "jr_range_remove", "remove", what);
    }

    /**
     * Registers at the first mark, then marks (jr_range_mark). A refused registration (EMFILE: past the mapping
     * budget; ENOMEM: the kernel's map count) leaves the range LOCKED: a {@link NativeCallException}.
     */
    public void mark(String what) {
        check(call(Handles.MARK), "jr_range_mark", "mark", what);
    }

    /** @return true when the range lost content (JR_PURGED) */
    public boolean lock(String what) {
        return check(call(Handles.LOCK), "jr_range_lock", "lock", what) == NativeConstants.JR_PURGED;
    }

    /**
     * Settles, unregisters and removes the range; the mapping is the caller's from now on.
     *
     * @return true when the range lost content (JR_PURGED)
     */
    public boolean detach(String what) {
        return check(call(Handles.DETACH), "jr_range_detach", "detach", what) == NativeConstants.JR_PURGED;
    }

    public void purge(String what) {
        check(call(Handles.PURGE), "jr_range_purge", "purge", what);
    }

    /**
     * Pins {@code [offset, offset+length)} (jr_range_pin): resident, unreclaimable, and the range neither marked nor
     * removed until {@link #unpin}.
     *
     * @return true when pinned; false when a POISON page of the span was lost (nothing is pinned then)
     */
    public boolean pin(long offset, long length, String what) {
        int r;
        try {
            r = (int) Handles.PIN.invokeExact(service.pointer(), handle, offset, length);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        return check(r, "jr_range_pin", "pin", what) == NativeConstants.JR_INTACT;
    }

    /**
     * Ends one {@link #pin} (jr_range_unpin).
     *
     * @return the pins left, or -1 when the range was removed or detached meanwhile (its pins ended with it)
     */
    public int unpin(String what) {
        int r;
        try {
            r = (int) Handles.UNPIN.invokeExact(service.pointer(), handle);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        return r == -Errno.EBADF ? -1 : check(r, "jr_range_unpin", "unpin", what);
    }

    /** Like {@link #mark}, but false instead of marking while the range is pinned (EAGAIN). */
    public boolean markUnlessPinned(String what) {
        int r = call(Handles.MARK);
        return r != -Errno.EAGAIN && check(r, "jr_range_mark", "mark", what) >= 0;
    }

    /** Like {@link #remove}, but false instead of removing while the range is pinned (EAGAIN). */
    public boolean removeUnlessPinned(String what) {
        int r = call(Handles.REMOVE);
        return r != -Errno.EAGAIN && check(r, "jr_range_remove", "remove", what) >= 0;
    }

    /**
     * What a chunk of this SNAPSHOT range becomes when its snapshot does not pay: {@code JR_FALLBACK_KEEP}
     * (ordinary memory) or {@code JR_FALLBACK_ZERO}.
     *
     * @throws NativeCallException EINVAL for another source or value
     */
    public void setFallback(int fallback, String what) {
        int r;
        try {
            r = (int) Handles.SET_FALLBACK.invokeExact(service.pointer(), handle, fallback);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(r, "jr_range_set_fallback(" + fallback + ")", "set the fallback of", what);
    }

    /** jr_range_set_file_policy: JR_FILE_* bits for this SNAPSHOT range's pages read from files (next mark on). */
    public void setFilePolicy(int flags, String what) {
        int r;
        try {
            r = (int) Handles.SET_FILE_POLICY.invokeExact(service.pointer(), handle, flags);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
        check(r, "jr_range_set_file_policy(" + flags + ")", "set the file policy of", what);
    }

    /**
     * jr_range_provenance: [offset, offset+len) of this SNAPSHOT range was just read from descriptor fd at
     * filePosition (-1: at the descriptor's offset before the read). Never throws: a read the library cannot
     * record (not a regular file, too many files) just keeps its pages in the snapshot.
     *
     * @return the whole pages recorded, or -errno
     */
    public int provenance(long offset, long len, int fd, long filePosition) {
        try {
            return (int) Handles.PROVENANCE.invokeExact(service.pointer(), handle, offset, len, fd, filePosition);
        } catch (Throwable t) {
            return -1;
        }
    }

    /** enum jr_range_stat, indexed by {@code NativeConstants.JR_RS_*}. */
    /**
     * jr_range_stats asking for {@code JR_RS_STATE} alone: no mincore over the range (what a look at every range
     * of the registry needs, docs/benchmarks.md "The application thread's share").
     */
    public int state(String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG, 1);
            int r = (int) Handles.STATS.invokeExact(service.pointer(), handle, out, 1);
            check(r, "jr_range_stats", "read the state of", what);
            return (int) out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    /** {@code JR_RS_WRITTEN_PAGES} alone: no mincore (the idle marker's look at every volatile range). */
    public long writtenPages(String what) {
        return check(call(Handles.WRITTEN_PAGES), "jr_range_written_pages", "read the written pages of", what);
    }

    public long[] stats(String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(JAVA_LONG, NativeConstants.JR_RS_COUNT);
            int r = (int) Handles.STATS.invokeExact(service.pointer(), handle, out, NativeConstants.JR_RS_COUNT);
            check(r, "jr_range_stats", "read stats of", what);
            return out.toArray(JAVA_LONG);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private int call(MethodHandle h) {
        try {
            return (int) h.invokeExact(service.pointer(), handle);
        } catch (Throwable t) {
            throw NativeLibrary.rethrow(t);
        }
    }

    private static int check(int r, String fn, String action, String what) {
        if (r >= 0) {
            return r;
        }
        int errno = -r;
        throw switch (errno) {
            case Errno.EBADF -> new IllegalStateException("cannot " + action + " " + what + ": it was freed");
            case Errno.EBUSY -> new IllegalStateException(
                    "cannot " + action + " " + what + ": another thread is marking or locking it");
            case Errno.EAGAIN -> new IllegalStateException("cannot " + action + " " + what
                    + ": it is pinned (a system call or native code is using it)");
            case Errno.ERANGE -> new IndexOutOfBoundsException("cannot " + action + " " + what + ": span out of range");
            case Errno.EOPNOTSUPP -> new UnsupportedOperationException("cannot " + action + " " + what
                    + ": a SNAPSHOT range needs the kernel's UFFD_FEATURE_PAGEFAULT_FLAG_WP, which this userfaultfd lacks");
            default -> new NativeCallException(fn, what, errno);
        };
    }
}
