package dev.jreclaim.agent.start.cache;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;

/**
 * The directory of the transform cache, and the checks that make its entries trusted: a planted entry would be
 * code injected into the JVM (docs/configuration.md, {@code jreclaim.cache.dir}). The directory is created 0700;
 * it, each of its parents and each entry must be owned by this process's effective uid (a parent may also be
 * root's), never a symbolic link, and not writable by group or others (a parent may be, with the sticky bit, as
 * /tmp is). Every check reads the attributes without following links.
 */
public final class CacheDirectory {
    /** Mode bits (stat(2) st_mode) of "writable by group" and "by others", and the sticky bit. */
    private static final int S_IWGRP = 0020;
    private static final int S_IWOTH = 0002;
    private static final int S_ISVTX = 01000;

    private final Path dir;
    private final int euid;

    /** The directory, a parent or an entry is not to be trusted (owner, mode, a link): said at INFO, not DEBUG. */
    public static final class UntrustedException extends IOException {
        private static final long serialVersionUID = 1L;

        UntrustedException(String message) {
            super(message);
        }
    }

    private CacheDirectory(Path dir, int euid) {
        this.dir = dir;
        this.euid = euid;
    }

    public Path path() {
        return dir;
    }

    /** The default: {@code <java.io.tmpdir>/jreclaim-cache-<euid>}. */
    public static Path defaultPath(int euid) {
        return Path.of(System.getProperty("java.io.tmpdir"), "jreclaim-cache-" + euid);
    }

    /**
     * Opens {@code dir}, creating it 0700 when it does not exist (its parent must).
     *
     * @throws UntrustedException naming what makes the directory untrusted
     * @throws IOException         when it cannot be created or examined
     */
    public static CacheDirectory open(Path dir, int euid) throws IOException {
        if (!dir.isAbsolute()) {
            throw new IOException(dir + " is not an absolute path");
        }
        for (Path p = dir.getParent(); p != null; p = p.getParent()) {
            checkParent(p, euid);
        }
        try {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (FileAlreadyExistsException e) {
            // checked below, as any existing one
        }
        Map<String, Object> a = Files.readAttributes(dir, "unix:mode,uid,isDirectory,isSymbolicLink",
                LinkOption.NOFOLLOW_LINKS);
        if ((boolean) a.get("isSymbolicLink") || !(boolean) a.get("isDirectory")) {
            throw new UntrustedException(dir + " is not a directory (a symbolic link or a file)");
        }
        checkOwnedAndPrivate(dir, a, euid, "directory");
        return new CacheDirectory(dir, euid);
    }

    private static void checkParent(Path p, int euid) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid", LinkOption.NOFOLLOW_LINKS);
        int uid = (int) a.get("uid");
        int mode = (int) a.get("mode");
        if (uid != euid && uid != 0) {
            throw new UntrustedException("its parent " + p + " is owned by uid " + uid + ", not by this process's euid "
                    + euid + " or root");
        }
        if ((mode & (S_IWGRP | S_IWOTH)) != 0 && (mode & S_ISVTX) == 0) {
            throw new UntrustedException("its parent " + p + " is writable by group or others without the sticky bit (mode "
                    + Integer.toOctalString(mode & 07777) + ")");
        }
    }

    private static void checkOwnedAndPrivate(Path p, Map<String, Object> a, int euid, String what) throws IOException {
        int uid = (int) a.get("uid");
        int mode = (int) a.get("mode");
        if (uid != euid) {
            throw new UntrustedException(what + " " + p + " is owned by uid " + uid + ", not by this process's euid " + euid);
        }
        if ((mode & (S_IWGRP | S_IWOTH)) != 0) {
            throw new UntrustedException(what + " " + p + " is writable by group or others (mode "
                    + Integer.toOctalString(mode & 07777) + ")");
        }
    }

    /**
     * The bytes of the entry {@code name}, or null when there is none.
     *
     * @throws IOException when the entry is a link, not a regular file, not owned by the euid or writable by others
     */
    byte[] read(String name) throws IOException {
        Path f = dir.resolve(name);
        Map<String, Object> a;
        try {
            a = Files.readAttributes(f, "unix:mode,uid,isRegularFile", LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException e) {
            return null;
        }
        if (!(boolean) a.get("isRegularFile")) {
            throw new UntrustedException("entry " + f + " is not a regular file (a symbolic link?)");
        }
        checkOwnedAndPrivate(f, a, euid, "entry");
        // O_NOFOLLOW: a link swapped in since the check is refused by the kernel.
        try (var ch = Files.newByteChannel(f, java.nio.file.StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE - 64) {
                throw new IOException("entry " + f + " is too large (" + size + " bytes)");
            }
            java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate((int) size);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // until the end
            }
            return b.array();
        }
    }

    /** Writes the entry {@code name} atomically: a private temporary file in the directory, then a rename over it. */
    void write(String name, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(dir, "tmp-", ".part",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            Files.write(tmp, bytes);
            Files.move(tmp, dir.resolve(name), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
