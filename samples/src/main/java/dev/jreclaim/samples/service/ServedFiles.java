package dev.jreclaim.samples.service;

import dev.jreclaim.samples.blobcache.BlobContent;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A directory of files a static-file service serves, and the check of its responses: the SHA-256 of each
 * body against the SHA-256 of the file as it is on disk. Incompressible files are random bytes (what
 * images, video and compressed archives look like to a cache); text files are repetitive lines
 * ({@link BlobContent}). Content is seeded by name, so a file already there with the right size is kept.
 */
public final class ServedFiles {
    /** What a file holds, and its name's extension. */
    public enum Kind {
        INCOMPRESSIBLE("bin"),
        TEXT("txt");

        final String extension;

        Kind(String extension) {
            this.extension = extension;
        }
    }

    private final Path dir;
    private final List<String> names = new ArrayList<>();
    private final List<byte[]> sha256 = new ArrayList<>();
    private long totalBytes;

    private ServedFiles(Path dir) {
        this.dir = dir;
    }

    public static ServedFiles in(Path dir) throws IOException {
        Files.createDirectories(dir);
        return new ServedFiles(dir);
    }

    /** Adds {@code count} files of {@code bytes} bytes each, written unless already there with that size. */
    public ServedFiles add(Kind kind, int count, long bytes) throws IOException {
        for (int n = 0; n < count; n++) {
            int i = names.size(); // numbered across kinds, so no two adds name the same file
            String name = kind.name().toLowerCase(java.util.Locale.ROOT) + "-" + i + "." + kind.extension;
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file) || Files.size(file) != bytes) {
                write(file, kind, i, bytes);
            }
            names.add(name);
            sha256.add(sha256(file));
            totalBytes += bytes;
        }
        return this;
    }

    private static void write(Path file, Kind kind, int index, long bytes) throws IOException {
        SplittableRandom random = new SplittableRandom(index * 0x9E3779B97F4A7C15L + kind.ordinal());
        byte[] chunk = new byte[64 << 10];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (long off = 0; off < bytes; off += chunk.length) {
                int n = (int) Math.min(chunk.length, bytes - off);
                if (kind == Kind.TEXT) {
                    BlobContent.fill(chunk, index, off);
                } else {
                    random.nextBytes(chunk);
                }
                out.write(chunk, 0, n);
            }
        }
    }

    public Path dir() {
        return dir;
    }

    public int count() {
        return names.size();
    }

    public long totalBytes() {
        return totalBytes;
    }

    /** The request path of every file, {@code prefix + name}, in order. */
    public List<String> paths(String prefix) {
        return names.stream().map(n -> prefix + n).toList();
    }

    /** Whether a body is file {@code item} exactly: its SHA-256 against the file's. */
    public HttpLoad.Check check() {
        return (item, body) -> Arrays.equals(sha256.get(item), digest().digest(body));
    }

    private static byte[] sha256(Path file) throws IOException {
        MessageDigest d = digest();
        byte[] buf = new byte[64 << 10];
        try (InputStream in = Files.newInputStream(file)) {
            int n;
            while ((n = in.read(buf)) > 0) {
                d.update(buf, 0, n);
            }
        }
        return d.digest();
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
