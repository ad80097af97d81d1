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
import java.nio.file.StandardCopyOption;

/**
 * libjreclaim.so (agent/src/main/c): bundled in the jar, extracted to a private temporary file, loaded
 * once, and deleted again (the mapping stays). Loading checks that the library's constants are the ones
 * {@link NativeConstants} was compiled with; a mismatch refuses the library with one message. The
 * library's functions are reached through one class per concept: {@link NativeService},
 * {@link NativeRange}, {@link Watchdog}.
 */
public final class NativeLibrary {
    private static final String RESOURCE = "native/linux-x86_64/libjreclaim.so";

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

    private static SymbolLookup load() {
        String arch = System.getProperty("os.arch");
        if (!"Linux".equals(System.getProperty("os.name")) || !("amd64".equals(arch) || "x86_64".equals(arch))) {
            throw new UnsupportedOperationException("jreclaim's fault service is built for Linux x86_64; this is "
                    + System.getProperty("os.name") + " " + arch);
        }
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("libjreclaim.so is missing from the agent jar (resource "
                        + NativeLibrary.class.getPackageName().replace('.', '/') + "/" + RESOURCE + ")");
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

    /** jr_version(): the library's JR_VERSION. */
    public static int version() {
        try {
            return (int) Handles.VERSION.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Whether liblz4 could be loaded, which the SNAPSHOT source needs. */
    public static boolean lz4Available() {
        try {
            return (int) Handles.LZ4_AVAILABLE.invokeExact() == 1;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    private static final class Handles {
        static final MethodHandle VERSION = downcall("jr_version", FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
        static final MethodHandle LZ4_AVAILABLE =
                downcall("jr_lz4_available", FunctionDescriptor.of(java.lang.foreign.ValueLayout.JAVA_INT));
    }

    /** What a downcall threw, as an unchecked exception (Errors pass through). */
    static RuntimeException rethrow(Throwable t) {
        return Libc.rethrow(t);
    }
}
