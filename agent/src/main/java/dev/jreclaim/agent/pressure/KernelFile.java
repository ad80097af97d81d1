package dev.jreclaim.agent.pressure;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A cgroup or /proc file kept open and read again from offset 0 at each poll: one pread system call, no open and
 * close, no allocation (seq_file and kernfs files generate their text anew at offset 0). Not thread-safe: the
 * gauge's poll is its one reader.
 */
final class KernelFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);

    private KernelFile(Path path, FileChannel channel) {
        this.path = path;
        this.channel = channel;
    }

    /** The file opened for reading, or null when it is absent or unreadable. */
    static KernelFile open(Path path) {
        try {
            return new KernelFile(path, FileChannel.open(path, StandardOpenOption.READ));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return null;
        }
    }

    Path path() {
        return path;
    }

    /** Reads the whole file into the buffer; its length, or -1 on an error. */
    private int fill() {
        buffer.clear();
        try {
            int n;
            long at = 0;
            while ((n = channel.read(buffer, at)) > 0 && buffer.hasRemaining()) {
                at += n;
            }
            return buffer.position();
        } catch (IOException e) {
            return -1;
        }
    }

    /** The file's first token as a number ("max": Long.MAX_VALUE), or -1. */
    long firstLong() {
        int len = fill();
        if (len <= 0) {
            return -1;
        }
        byte[] a = buffer.array();
        if (a[0] == 'm') { // "max"
            return Long.MAX_VALUE;
        }
        return number(a, 0, len);
    }

    /** The number after {@code key} at a line start ("key value" or "Key:   value kB", the kB multiplied), or -1. */
    long keyed(String key) {
        byte[] k = key.getBytes(StandardCharsets.US_ASCII);
        int len = fill();
        byte[] a = buffer.array();
        for (int line = 0; line < len; ) {
            if (startsWith(a, line, len, k) && line + k.length < len && (a[line + k.length] == ' ' || a[line + k.length] == ':')) {
                int i = line + k.length;
                while (i < len && (a[i] == ' ' || a[i] == ':' || a[i] == '\t')) {
                    i++;
                }
                long v = number(a, i, len);
                int end = i;
                while (end < len && a[end] != '\n') {
                    end++;
                }
                boolean kb = end - 2 >= i && a[end - 2] == 'k' && a[end - 1] == 'B';
                return v < 0 ? -1 : kb ? v * 1024 : v;
            }
            while (line < len && a[line] != '\n') {
                line++;
            }
            line++;
        }
        return -1;
    }

    private static boolean startsWith(byte[] a, int at, int len, byte[] k) {
        if (at + k.length > len) {
            return false;
        }
        for (int i = 0; i < k.length; i++) {
            if (a[at + i] != k[i]) {
                return false;
            }
        }
        return true;
    }

    private static long number(byte[] a, int from, int len) {
        long v = 0;
        int i = from;
        for (; i < len && a[i] >= '0' && a[i] <= '9'; i++) {
            v = v * 10 + (a[i] - '0');
        }
        return i == from ? -1 : v;
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // read-only
        }
    }
}
