package dev.jreclaim.agent.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The libc calls the agent makes, through FFM. Calls that can fail return {@code -errno}
 * (the kernel's convention) so callers decide whether a value is an error worth an exception;
 * the {@code OrThrow} variants throw a {@link NativeCallException} naming call and subject.
 */
public final class Libc {
    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO =
            CALL_STATE.varHandle(java.lang.foreign.MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");
    /**
     * Per thread, freed once the thread is gone. Not {@code Arena.ofAuto().allocate}: that reserves direct
     * memory and shows in the JDK's "direct" buffer pool, which under the agent must count the
     * application's buffers only.
     */
    private static final ThreadLocal<MemorySegment> STATE = ThreadLocal.withInitial(Libc::newCallState);

    // One holder class per downcall, linked on first use: each shape costs the JDK milliseconds to link, which
    // the agent's start-up would pay for calls it may never make (docs/benchmarks.md, start-up).
    private static final class MmapH {
        static final MethodHandle H = errnoHandle("mmap",
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_LONG));
    }
    private static final class MunmapH {
        static final MethodHandle H = errnoHandle("munmap",
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG));
    }
    private static final class MadviseH {
        static final MethodHandle H = errnoHandle("madvise",
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_INT));
    }
    private static final class MincoreH {
        static final MethodHandle H = errnoHandle("mincore",
                    FunctionDescriptor.of(JAVA_INT, JAVA_LONG, JAVA_LONG, ADDRESS));
    }
    private static final class IoctlPtrH {
        static final MethodHandle H = errnoHandle("ioctl",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, ADDRESS), Linker.Option.firstVariadicArg(2));
    }
    private static final class IoctlIntH {
        static final MethodHandle H = errnoHandle("ioctl",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }
    private static final class Syscall1H {
        static final MethodHandle H = errnoHandle("syscall",
                    FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_INT), Linker.Option.firstVariadicArg(1));
    }
    private static final class OpenH {
        static final MethodHandle H = errnoHandle("open",
                    FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }
    private static final class FcntlH {
        static final MethodHandle H = errnoHandle("fcntl",
                    FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.firstVariadicArg(2));
    }
    private static final class LseekH {
        static final MethodHandle H = errnoSharedHandle("lseek", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, JAVA_LONG, JAVA_INT));
    }
    private static final class CloseH {
        static final MethodHandle H = errnoSharedHandle("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }
    private static final class MemfdCreateH {
        static final MethodHandle H = errnoSharedHandle("memfd_create", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }
    private static final class StatvfsH {
        static final MethodHandle H = errnoSharedHandle("statvfs", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }
    private static final class SysconfH {
        static final MethodHandle H = plainHandle("sysconf", FunctionDescriptor.of(JAVA_LONG, JAVA_INT));
    }
    private static final class GeteuidH {
        static final MethodHandle H = plainHandle("geteuid", FunctionDescriptor.of(JAVA_INT));
    }
    private static final class StrerrorH {
        static final MethodHandle H = plainHandle("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }
    private static final class MallocTrimH {
        static final MethodHandle H = plainHandle("malloc_trim", FunctionDescriptor.of(JAVA_INT, JAVA_LONG));
    }
    private static final class MallocH {
        static final MethodHandle H = plainHandle("malloc", FunctionDescriptor.of(JAVA_LONG, JAVA_LONG));
    }
    private static final class FreeH {
        static final MethodHandle H = plainHandle("free", FunctionDescriptor.ofVoid(JAVA_LONG));
    }
    private static final class ExitNowH {
        static final MethodHandle H = exactHandle("_exit", FunctionDescriptor.ofVoid(JAVA_INT));
    }
    private static final class AlarmH {
        static final MethodHandle H = exactHandle("alarm", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        // Whoever arms the backstop may need _exit(2) once the JVM is hung, when linking it could not happen.
        static {
            ExitNowH.H.type();
        }
    }

    private static final long PAGE_SIZE = sysconf(Mman.SC_PAGESIZE);

    /** memfd_create(2) flags, include/uapi/linux/memfd.h. */
    public static final int MFD_CLOEXEC = 0x0001;
    /** Executable even where vm.memfd_noexec=1 makes memfds non-executable by default (Linux 6.3+). */
    public static final int MFD_EXEC = 0x0010;
    /** statvfs(3) f_flag bits, glibc bits/statvfs.h. */
    public static final long ST_RDONLY = 1;
    public static final long ST_NOEXEC = 8;
    /** glibc x86_64 struct statvfs: f_flag after nine 8-byte fields; 112 bytes in all. */
    private static final long STATVFS_SIZE = 112;
    private static final long STATVFS_F_FLAG = 72;

    private Libc() {}

    private static MethodHandle errnoHandle(String name, FunctionDescriptor fd, Linker.Option... extra) {
        Linker.Option[] options = new Linker.Option[extra.length + 1];
        options[0] = CAPTURE_ERRNO;
        System.arraycopy(extra, 0, options, 1, extra.length);
        return LINKER.downcallHandle(symbol(name), fd, options);
    }

    /** A rare call's errno-capturing handle, of a shape shared with others ({@link SharedShape}); not variadic. */
    private static MethodHandle errnoSharedHandle(String name, FunctionDescriptor fd) {
        return SharedShape.link(symbol(name), fd, 1, CAPTURE_ERRNO);
    }

    /**
     * The watchdog's backstop (alarm, _exit) with its exact shape and no adapter: what a hung JVM calls must need
     * nothing more than the stub linked in advance.
     */
    private static MethodHandle exactHandle(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(symbol(name), fd);
    }

    /** Calls that set no errno the agent reads, all rare: shapes shared with others ({@link SharedShape}). */
    private static MethodHandle plainHandle(String name, FunctionDescriptor fd) {
        return SharedShape.link(symbol(name), fd, 0);
    }

    private static MemorySegment symbol(String name) {
        return LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError("libc has no symbol " + name));
    }

    private static MemorySegment newCallState() {
        long size = CALL_STATE.byteSize();
        long a;
        try {
            a = (long) MallocH.H.invokeExact(size);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (a == 0) {
            throw new OutOfMemoryError("malloc(" + size + ") for the errno capture state failed");
        }
        return MemorySegment.ofAddress(a).reinterpret(size, Arena.ofAuto(), s -> freeCallState(s.address()));
    }

    private static void freeCallState(long address) {
        try {
            FreeH.H.invokeExact(address);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    /** What a downcall threw, as an unchecked exception (Errors pass through). */
    static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) {
            return r;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException(t);
    }

    public static long pageSize() {
        return PAGE_SIZE;
    }

    /** Anonymous private read-write mapping; returns the address or {@code -errno}. */
    public static long mmapAnonymous(long length) {
        MemorySegment st = STATE.get();
        try {
            long r = (long) MmapH.H.invokeExact(st, 0L, length, Mman.PROT_READ | Mman.PROT_WRITE,
                    Mman.MAP_PRIVATE | Mman.MAP_ANONYMOUS | Mman.MAP_NORESERVE, -1, 0L);
            return r == Mman.MAP_FAILED ? -errno(st) : r;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int munmap(long address, long length) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) MunmapH.H.invokeExact(st, address, length);
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int madvise(long address, long length, int advice) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) MadviseH.H.invokeExact(st, address, length, advice);
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void madviseOrThrow(long address, long length, int advice, String subject) {
        int r = madvise(address, length, advice);
        if (r < 0) {
            throw new NativeCallException("madvise(" + Mman.adviceName(advice) + ")", subject, -r);
        }
    }

    /** Residency of each page: {@code vec} gets one byte per page, bit 0 set when resident. */
    public static int mincore(long address, long length, MemorySegment vec) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) MincoreH.H.invokeExact(st, address, length, vec);
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Number of resident pages in a page-aligned span. */
    public static long residentPages(long address, long length, String subject) {
        long pages = (length + PAGE_SIZE - 1) / PAGE_SIZE;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment vec = arena.allocate(pages);
            int r = mincore(address, pages * PAGE_SIZE, vec);
            if (r < 0) {
                throw new NativeCallException("mincore", subject, -r);
            }
            long resident = 0;
            for (long i = 0; i < pages; i++) {
                resident += vec.get(java.lang.foreign.ValueLayout.JAVA_BYTE, i) & 1;
            }
            return resident;
        }
    }

    public static int ioctl(int fd, long request, MemorySegment arg) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) IoctlPtrH.H.invokeExact(st, fd, request, arg);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int ioctl(int fd, long request, int arg) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) IoctlIntH.H.invokeExact(st, fd, request, arg);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code syscall(number, arg)}; returns the result or {@code -errno}. */
    public static long syscall(long number, int arg) {
        MemorySegment st = STATE.get();
        try {
            long r = (long) Syscall1H.H.invokeExact(st, number, arg);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int open(String path, int flags) {
        MemorySegment st = STATE.get();
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) OpenH.H.invokeExact(st, arena.allocateFrom(path), flags);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code memfd_create(name, flags)}: a file descriptor, or {@code -errno}. */
    public static int memfdCreate(String name, int flags) {
        MemorySegment st = STATE.get();
        try (Arena arena = Arena.ofConfined()) {
            int r = (int) MemfdCreateH.H.invokeExact(st, arena.allocateFrom(name), flags);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code statvfs(path)}'s f_flag ({@link #ST_RDONLY}, {@link #ST_NOEXEC}, ...), or {@code -errno}. */
    public static long statvfsFlags(String path) {
        MemorySegment st = STATE.get();
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(STATVFS_SIZE, 8);
            int r = (int) StatvfsH.H.invokeExact(st, arena.allocateFrom(path), buf);
            return r == 0 ? buf.get(JAVA_LONG, STATVFS_F_FLAG) : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code fcntl(fd, F_DUPFD_CLOEXEC, 0)}: a new descriptor on the same open file, or {@code -errno}. */
    public static int dupCloexec(int fd) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) FcntlH.H.invokeExact(st, fd, Mman.F_DUPFD_CLOEXEC, 0);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** {@code lseek(fd, offset, whence)}: the resulting offset, or {@code -errno} (ESPIPE: a pipe or socket). */
    public static long lseek(int fd, long offset, int whence) {
        MemorySegment st = STATE.get();
        try {
            long r = (long) LseekH.H.invokeExact(st, fd, offset, whence);
            return r >= 0 ? r : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int close(int fd) {
        MemorySegment st = STATE.get();
        try {
            int r = (int) CloseH.H.invokeExact(st, fd);
            return r == 0 ? 0 : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static long sysconf(int name) {
        try {
            return (long) SysconfH.H.invokeExact(name);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * malloc_trim(3): returns the free memory of every malloc arena to the kernel (glibc madvises the free pages of
     * each arena, not only the top of the main heap); true when some was released.
     */
    public static boolean mallocTrim() {
        try {
            return (int) MallocTrimH.H.invokeExact(0L) != 0;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int geteuid() {
        try {
            return (int) GeteuidH.H.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static String strerror(int errno) {
        try {
            MemorySegment s = (MemorySegment) StrerrorH.H.invokeExact(errno);
            return s.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code _exit(2)}: ends the process at once. Unlike {@code Runtime.halt}, which waits for a
     * safepoint (measured: it waited for as long as a thread stayed blocked in a userfaultfd fault),
     * it needs nothing from the JVM, so it ends a JVM whose safepoints are blocked.
     */
    public static void exitImmediately(int status) {
        try {
            ExitNowH.H.invokeExact(status);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code alarm(2)}: SIGALRM after {@code seconds} (0 cancels), returns the seconds left of the
     * previous alarm. HotSpot installs no SIGALRM handler, so its default action ends the process
     * (exit status 142) without needing any JVM thread: a backstop that works even where no Java
     * thread can run any more.
     */
    public static int alarm(int seconds) {
        try {
            return (int) AlarmH.H.invokeExact(seconds);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
