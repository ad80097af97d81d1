package dev.jreclaim.agent.start.cache;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.linux.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transform cache's entries and the checks on its directory (docs/configuration.md, {@code jreclaim.cache.dir}):
 * an entry is used by a later start with the same inputs only; a changed input, a damaged entry or an untrusted
 * directory or file is a miss (or no cache), never other bytes. "Owned by someone else" is tested by chown to
 * nobody (65534), which needs root; the tests say so when they cannot.
 */
class TransformCacheTest {
    static final int NOBODY = 65534;
    static final byte[] ORIGINAL = "original class bytes".getBytes();
    static final byte[] TRANSFORMED = "transformed class bytes".getBytes();

    static int euid() {
        return Libc.geteuid();
    }

    static TransformCache cache(Path dir, String build) throws IOException {
        return new TransformCache(CacheDirectory.open(dir, euid()), build);
    }

    static Path onlyEntry(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            List<Path> all = s.toList();
            assertEquals(1, all.size(), all.toString());
            return all.getFirst();
        }
    }

    @Test
    void aLaterStartFindsWhatAnEarlierStored(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("c");
        cache(dir, "build 1").store("site", "shape", "a.B", ORIGINAL, TRANSFORMED, List.of("load=0", "other=-1"));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(onlyEntry(dir))));

        TransformCache.Entry e = cache(dir, "build 1").find("site", "shape", "a.B", ORIGINAL.clone());
        assertNotNull(e);
        assertArrayEquals(TRANSFORMED, e.transformed());
        assertEquals(List.of("load=0", "other=-1"), e.facts());
    }

    @Test
    void aClassLeftAsItIsIsCachedAsSuch(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("c");
        cache(dir, "b").store("site", "s", "a.B", ORIGINAL, null, List.of());
        TransformCache.Entry e = cache(dir, "b").find("site", "s", "a.B", ORIGINAL);
        assertNotNull(e);
        assertNull(e.transformed());
    }

    @Test
    void anyOtherInputIsAMiss(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("c");
        cache(dir, "build 1").store("site", "shape", "a.B", ORIGINAL, TRANSFORMED, List.of());
        assertNull(cache(dir, "build 2").find("site", "shape", "a.B", ORIGINAL), "another build");
        assertNull(cache(dir, "build 1").find("site", "other shape", "a.B", ORIGINAL), "other rules");
        assertNull(cache(dir, "build 1").find("jdk", "shape", "a.B", ORIGINAL), "another kind");
        assertNull(cache(dir, "build 1").find("site", "shape", "a.C", ORIGINAL), "another class");
        byte[] changed = ORIGINAL.clone();
        changed[3] ^= 1;
        assertNull(cache(dir, "build 1").find("site", "shape", "a.B", changed), "other class bytes");
    }

    @Test
    void aDamagedOrTruncatedEntryIsAMiss(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("c");
        TransformCache c = cache(dir, "b");
        c.store("site", "s", "a.B", ORIGINAL, TRANSFORMED, List.of("load=0"));
        Path entry = onlyEntry(dir);
        byte[] good = Files.readAllBytes(entry);
        for (int i = 0; i < good.length; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x10;
            Files.write(entry, bad);
            assertNull(c.find("site", "s", "a.B", ORIGINAL), "byte " + i + " flipped");
        }
        for (int n = 0; n < good.length; n++) {
            Files.write(entry, java.util.Arrays.copyOf(good, n));
            assertNull(c.find("site", "s", "a.B", ORIGINAL), "truncated to " + n);
        }
        Files.write(entry, good);
        assertNotNull(c.find("site", "s", "a.B", ORIGINAL), "restored");
    }

    @Test
    void aDirectoryWritableByGroupOrOthersIsRefused(@TempDir Path tmp) throws IOException {
        for (String mode : List.of("rwxrwx---", "rwx---rwx", "rwx-w----")) {
            Path dir = Files.createDirectory(tmp.resolve("d" + mode.hashCode()));
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString(mode));
            IOException e = assertThrows(CacheDirectory.UntrustedException.class, () -> CacheDirectory.open(dir, euid()), mode);
            assertTrue(e.getMessage().contains("writable by group or others"), e.getMessage());
            assertNull(TransformCache.open(dir, euid(), "b"), mode);
        }
    }

    @Test
    void aDirectoryOwnedBySomeoneElseIsRefused(@TempDir Path tmp) throws IOException {
        requireRoot();
        Path dir = Files.createDirectory(tmp.resolve("c"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.setAttribute(dir, "unix:uid", NOBODY);
        IOException e = assertThrows(CacheDirectory.UntrustedException.class, () -> CacheDirectory.open(dir, euid()));
        assertTrue(e.getMessage().contains("owned by uid " + NOBODY), e.getMessage());
    }

    @Test
    void anEntryOwnedBySomeoneElseOrWritableByOthersIsNotUsed(@TempDir Path tmp) throws IOException {
        Path dir = tmp.resolve("c");
        TransformCache c = cache(dir, "b");
        c.store("site", "s", "a.B", ORIGINAL, TRANSFORMED, List.of());
        Path entry = onlyEntry(dir);
        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-rw-rw-"));
        assertNull(c.find("site", "s", "a.B", ORIGINAL), "writable by others");
        Files.setPosixFilePermissions(entry, PosixFilePermissions.fromString("rw-------"));
        assertNotNull(c.find("site", "s", "a.B", ORIGINAL), "private again");
        requireRoot();
        Files.setAttribute(entry, "unix:uid", NOBODY);
        assertNull(c.find("site", "s", "a.B", ORIGINAL), "owned by nobody");
    }

    @Test
    void symbolicLinksAreRefused(@TempDir Path tmp) throws IOException {
        Path real = tmp.resolve("real");
        cache(real, "b").store("site", "s", "a.B", ORIGINAL, TRANSFORMED, List.of());
        Path link = Files.createSymbolicLink(tmp.resolve("link"), real);
        IOException e = assertThrows(IOException.class, () -> CacheDirectory.open(link, euid()));
        assertTrue(e.getMessage().contains("not a directory"), e.getMessage());

        Path dir = tmp.resolve("c");
        TransformCache c = cache(dir, "b");
        Path entryName = onlyEntry(real).getFileName();
        Files.createSymbolicLink(dir.resolve(entryName), onlyEntry(real));
        assertNull(c.find("site", "s", "a.B", ORIGINAL), "an entry that is a link");
    }

    @Test
    void aParentWritableByOthersWithoutTheStickyBitIsRefused(@TempDir Path tmp) throws IOException {
        Path open = Files.createDirectory(tmp.resolve("open"));
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxrwxrwx"));
        IOException e = assertThrows(IOException.class, () -> CacheDirectory.open(open.resolve("c"), euid()));
        assertTrue(e.getMessage().contains("its parent " + open), e.getMessage());
        assertTrue(CacheDirectory.open(Path.of(System.getProperty("java.io.tmpdir"), "jreclaim-test-" + ProcessHandle
                .current().pid()), euid()).path().isAbsolute(), "java.io.tmpdir (sticky /tmp) is a fine parent");
        Files.delete(Path.of(System.getProperty("java.io.tmpdir"), "jreclaim-test-" + ProcessHandle.current().pid()));
    }

    @Test
    void aRelativeDirectoryIsRefused() {
        assertThrows(IOException.class, () -> CacheDirectory.open(Path.of("relative"), euid()));
    }

    @Test
    void aDirectoryThatCannotBeCreatedIsNoCache(@TempDir Path tmp) {
        assertNull(TransformCache.open(tmp.resolve("missing").resolve("c"), euid(), "b"), "its parent does not exist");
        assertNotNull(TransformCache.open(tmp.resolve("c"), euid(), "b"), "a directory that can be created");
    }

    private static void requireRoot() {
        org.junit.jupiter.api.Assumptions.assumeTrue(euid() == 0,
                "chown to nobody (65534) needs root (CAP_CHOWN); this test runs as euid " + euid());
    }
}
