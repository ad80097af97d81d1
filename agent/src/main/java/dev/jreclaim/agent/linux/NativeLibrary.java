package dev.jreclaim.agent.linux;

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

/**
 * libjreclaim.so (agent/src/main/c): bundled in the jar and loaded once from memory (a memfd, through
 * /proc/self/fd), so that no writable and executable directory is needed; only where memfd_create is
 * refused, from a private file in java.io.tmpdir, deleted once loaded (the mapping stays). A failure names
 * its cause (noexec or read-only mount, permissions). Loading checks that the library's constants are the ones
 * {@link NativeConstants} was compiled with; a mismatch refuses the library with one message. The
 * library's functions are reached through one class per concept: {@link NativeService},
 * {@link NativeRange}, {@link Watchdog}.
 */
public final class NativeLibrary {
    private static final String RESOURCE = "native/linux-x86_64/libjreclaim.so";

    /**
     * For tests: {@code -Ddev.jreclaim.native.noMemfd=true} acts as if memfd_create were refused (as a
     * seccomp filter or vm.memfd_noexec=2 would), so that the java.io.tmpdir fallback is taken. Outside the
     * {@code jreclaim.} prefix on purpose: it is not a configuration key.
     */
    public static final String NO_MEMFD_PROPERTY = "dev.jreclaim.native.noMemfd";

    private static volatile SymbolLookup lookup;

    private NativeLibrary() {}

    /** The loaded and checked library; loads it on first use. */
    static SymbolLookup lookup() {
        SymbolLookup l = lookup;
        if (l == null) {
            synchronized (NativeLibrary.class) {
                l = lookup;
                if (l == null) {
                    l = load();
                    NativeConstants.check(l);
                    lookup = l;
                }
            }
        }
        return l;
    }

    /** Loads the library now (so that a missing or mismatched one is reported before first use). */
    public static void ensureLoaded() {
        lookup();
    }

    static MethodHandle downcall(SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lib.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libjreclaim.so has no symbol " + name));
        return Linker.nativeLinker().downcallHandle(symbol, fd);
    }

    static MethodHandle downcall(String name, FunctionDescriptor fd) {
        return downcall(lookup(), name, fd);
    }

    /**
     * A downcall made at start or rarely: linked with a shape shared by the calls of its arity ({@link SharedShape}),
     * so that start-up links fewer of the JDK's stubs. Not for the hot calls (marks, range add/remove).
     */
    static MethodHandle sharedDowncall(SymbolLookup lib, String name, FunctionDescriptor fd) {
        MemorySegment symbol = lib.find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libjreclaim.so has no symbol " + name));
        return SharedShape.link(symbol, fd, 0);
    }

    static MethodHandle sharedDowncall(String name, FunctionDescriptor fd) {
        return sharedDowncall(lookup(), name, fd);
    }

    private static SymbolLookup load() {
        String arch = System.getProperty("os.arch");
        if (!"Linux".equals(System.getProperty("os.name")) || !("amd64".equals(arch) || "x86_64".equals(arch))) {
            throw new UnsupportedOperationException("jreclaim's fault service is built for Linux x86_64; this is "
                    + System.getProperty("os.name") + " " + arch);
        }
        byte[] library;
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("libjreclaim.so is missing from the agent jar (resource "
                        + NativeLibrary.class.getPackageName().replace('.', '/') + "/" + RESOURCE + ")");
            }
            library = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read libjreclaim.so from the agent jar", e);
        }
        String memfdRefused;
        int fd = Boolean.getBoolean(NO_MEMFD_PROPERTY) ? -Errno.EPERM : memfd();
        if (fd >= 0) {
            try {
                String file = "/proc/self/fd/" + fd;
                Files.write(Path.of(file), library);
                // By name, not Path: libraryLookup(Path) resolves the link to "/memfd:... (deleted)".
                return SymbolLookup.libraryLookup(file, Arena.global());
            } catch (IOException | RuntimeException e) {
                memfdRefused = "a memfd could not be loaded (" + e.getMessage() + ")";
            } finally {
                Libc.close(fd); // the mapping stays
            }
        } else {
            memfdRefused = "memfd_create was refused (" + Errno.name(-fd) + ": " + Libc.strerror(-fd) + ")"
                    + (Boolean.getBoolean(NO_MEMFD_PROPERTY) ? " by -D" + NO_MEMFD_PROPERTY : "");
        }
        return fromTemporaryFile(library, memfdRefused);
    }

    /** An executable memfd; without MFD_EXEC on a kernel older than 6.3, which rejects it (EINVAL). */
    private static int memfd() {
        int fd = Libc.memfdCreate("libjreclaim.so", Libc.MFD_CLOEXEC | Libc.MFD_EXEC);
        return fd == -Errno.EINVAL ? Libc.memfdCreate("libjreclaim.so", Libc.MFD_CLOEXEC) : fd;
    }

    /** The fallback: a private file in java.io.tmpdir, deleted once loaded (the mapping stays). */
    private static SymbolLookup fromTemporaryFile(byte[] library, String memfdRefused) {
        Path dir = Path.of(System.getProperty("java.io.tmpdir"));
        String cannot = "cannot load libjreclaim.so: " + memfdRefused + ", and java.io.tmpdir " + dir;
        Path file;
        try {
            file = Files.createTempFile(dir, "jreclaim-", ".so");
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException(cannot + " " + whyNotWritable(dir, e)
                    + "; set -Djava.io.tmpdir to a writable directory on a file system mounted with exec");
        }
        try {
            Files.write(file, library);
            return SymbolLookup.libraryLookup(file, Arena.global());
        } catch (IOException e) {
            throw new IllegalStateException(cannot + " took no copy of the library: " + e);
        } catch (IllegalArgumentException e) { // what libraryLookup throws when dlopen fails
            long flags = Libc.statvfsFlags(dir.toString());
            throw new IllegalStateException(cannot + (flags >= 0 && (flags & Libc.ST_NOEXEC) != 0
                    ? " is on a file system mounted noexec (statvfs ST_NOEXEC), where no library can be mapped"
                            + " executable; set -Djava.io.tmpdir to a directory on a file system mounted with exec"
                    : ": the copy there did not load (" + e.getMessage() + ")"));
        } finally {
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the loaded mapping does not need the file; a leftover in tmpdir is harmless
            }
        }
    }

    private static String whyNotWritable(Path dir, Exception e) {
        long flags = Libc.statvfsFlags(dir.toString());
        if (flags < 0) {
            return "cannot be examined (statvfs: " + Errno.name((int) -flags) + ": " + Libc.strerror((int) -flags) + ")";
        }
        if ((flags & Libc.ST_RDONLY) != 0) {
            return "is on a file system mounted read-only (statvfs ST_RDONLY)";
        }
        if (!Files.isWritable(dir)) {
            return "is not writable by this user (uid " + Libc.geteuid() + "): permissions";
        }
        return "cannot take a new file (" + e + ")";
    }

    /** jr_version(): the library's JR_VERSION. */
    public static int version() {
        try {
            return (int) Handles.VERSION.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Whether LZ4, which the SNAPSHOT source needs, is there (bundled, or liblz4.so.1 loaded). */
    public static boolean lz4Available() {
        return lz4Linkage() != NativeConstants.JR_LZ4_MISSING;
    }

    /** One of NativeConstants.JR_LZ4_*: how LZ4 is there (agent/src/main/c/build.sh decides). */
    public static int lz4Linkage() {
        try {
            return (int) Handles.LZ4_AVAILABLE.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class Handles {
        static final MethodHandle VERSION = sharedDowncall("jr_version", FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
        static final MethodHandle LZ4_AVAILABLE =
                sharedDowncall("jr_lz4_available", FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
    }

    /** What a downcall threw, as an unchecked exception (Errors pass through). */
    static RuntimeException rethrow(Throwable t) {
        return Libc.rethrow(t);
    }
}
