package dev.jreclaim.samples.filecache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A static-file cache the way many services write one: each file read once with {@code FileChannel.read}
 * into a direct buffer of its size, kept in a map, never evicted. Knows nothing of jreclaim.
 */
public final class FileCache {
    private final Path dir;
    private final ConcurrentHashMap<String, ByteBuffer> files = new ConcurrentHashMap<>();
    private final AtomicLong loads = new AtomicLong();

    public FileCache(Path dir) {
        this.dir = dir;
    }

    /** The cached content of {@code name} (a file directly in the directory), read on first request; a view of its own. */
    public ByteBuffer get(String name) {
        return files.computeIfAbsent(name, n -> load(dir.resolve(n))).duplicate();
    }

    /** Reads a whole file into a fresh direct buffer (the site a jreclaim rule names: FileCache#load). */
    ByteBuffer load(Path file) {
        loads.incrementAndGet();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(file + ": " + size + " bytes is too large for one buffer");
            }
            ByteBuffer buf = ByteBuffer.allocateDirect((int) size);
            while (buf.hasRemaining()) {
                if (ch.read(buf) < 0) {
                    throw new IOException(file + ": shorter than its size " + size + " (changed while read?)");
                }
            }
            return buf.flip();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public int cached() {
        return files.size();
    }

    public long loads() {
        return loads.get();
    }
}
