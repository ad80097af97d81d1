package dev.jreclaim.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the built libjreclaim.so gets LZ4 (agent/src/main/c/build.sh), and what else it needs at run time. */
class NativeLibraryTest {
    static final Path LIBRARY = Path.of("target/classes/dev/jreclaim/agent/linux/native/linux-x86_64/libjreclaim.so");

    private static String run(String... command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), String.join(" ", command) + ": " + out);
        return out;
    }

    /** Where liblz4-dev is installed (build.sh installs it as root), LZ4 is linked in; else liblz4.so.1 is opened. */
    @Test
    void lz4IsBundledWhereTheBuildFoundLiblz4a() throws Exception {
        String a = run("gcc", "-print-file-name=liblz4.a").strip();
        boolean staticLib = !a.equals("liblz4.a") && Files.isRegularFile(Path.of(a))
                && Files.isRegularFile(Path.of("/usr/include/lz4.h"));
        int expected = staticLib ? NativeConstants.JR_LZ4_BUNDLED
                : Files.exists(Path.of("/usr/lib/x86_64-linux-gnu/liblz4.so.1")) ? NativeConstants.JR_LZ4_SHARED
                : NativeConstants.JR_LZ4_MISSING;
        assertEquals(expected, NativeLibrary.lz4Linkage(), "liblz4.a: " + a);
    }

    /**
     * glibc only: no liblz4 (nor anything else) to install beside the JDK. glibc's dynamic loader counts as glibc:
     * a thread-local variable (the mark batch's flag) links __tls_get_addr from it.
     */
    @Test
    void needsNothingButLibc() throws Exception {
        List<String> needed = run("readelf", "-d", LIBRARY.toString()).lines()
                .filter(l -> l.contains("(NEEDED)")).map(l -> l.substring(l.indexOf('[') + 1, l.indexOf(']'))).toList();
        List<String> glibc = List.of("libc.so.6", "ld-linux-x86-64.so.2");
        assertTrue(needed.contains("libc.so.6") && glibc.containsAll(needed), "NEEDED: " + needed);
    }
}
