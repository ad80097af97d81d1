package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.Mman;
import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.instrumentation.api.FileReadListener;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The ranges of {@code rebuild:file} rules, by base address, and what a JDK file read into one of them tells
 * the library (docs/fault-path.md, "Pages rebuilt from the file they were read from"). Every read of the JVM
 * passes here: one comparison against the lowest and highest address decides for all reads outside the
 * ranges, before any lookup. Also the live shared file mappings of {@code FileChannel.map(..., Arena)}, at most
 * {@link #MAX_MAPPINGS}, each with a descriptor of the agent's on the file (a dup), so that a copy from one is a
 * read of the file even after the channel was closed.
 */
final class FileReads implements FileReadListener {
    /** Mappings followed at once; a mapping beyond them is not (copies from it keep their snapshot). */
    static final int MAX_MAPPINGS = 64;

    private final ConcurrentSkipListMap<Long, VolatileRange> ranges = new ConcurrentSkipListMap<>();
    private volatile long low = Long.MAX_VALUE;
    private volatile long high = Long.MIN_VALUE;
    private final ConcurrentSkipListMap<Long, Mapping> mappings = new ConcurrentSkipListMap<>();

    /** A file mapping's addresses, the file offset at its start, and the agent's descriptor on the file. */
    private static final class Mapping {
        final long address;
        final long size;
        final long fileOffset;
        final int fd;
        boolean closed; // under the mapping's monitor: a copy records with fd only while it is open

        Mapping(long address, long size, long fileOffset, int fd) {
            this.address = address;
            this.size = size;
            this.fileOffset = fileOffset;
            this.fd = fd;
        }
    }

    synchronized void add(VolatileRange r) {
        ranges.put(r.address(), r);
        bounds();
    }

    synchronized void remove(VolatileRange r) {
        if (ranges.remove(r.address(), r)) {
            bounds();
        }
    }

    private void bounds() {
        Map.Entry<Long, VolatileRange> first = ranges.firstEntry(), last = ranges.lastEntry();
        low = first == null ? Long.MAX_VALUE : first.getKey();
        high = last == null ? Long.MIN_VALUE : last.getKey() + last.getValue().byteSize();
    }

    @Override
    public boolean watches(long address) {
        return address >= low && address < high;
    }

    /**
     * A read at a known file position may cover several ranges (adjacent buffers share mappings): each gets
     * its part. A read at the descriptor's offset (position -1) is recorded only inside one range, since the
     * library derives its file offset from its length.
     */
    @Override
    public void read(long address, long bytes, int fd, long position) {
        long end = address + bytes;
        if (end <= low || address >= high) {
            return;
        }
        while (address < end) {
            Map.Entry<Long, VolatileRange> e = ranges.floorEntry(address);
            VolatileRange r = e == null ? null : e.getValue();
            long rangeEnd = r == null ? address : e.getKey() + r.byteSize();
            if (address >= rangeEnd) { // between ranges: on to the next one
                Long next = ranges.higherKey(address);
                if (next == null || next >= end || position < 0) {
                    return;
                }
                position += next - address;
                address = next;
                continue;
            }
            long n = Math.min(end, rangeEnd) - address;
            if (n < end - address && position < 0) {
                return;
            }
            r.recordFileRead(address - e.getKey(), n, fd, position);
            address += n;
            if (position >= 0) {
                position += n;
            }
        }
    }

    /**
     * readv filled the spans in order from the descriptor's offset before the read, which is its offset now
     * minus the bytes read (FileChannelImpl holds its position lock over both; a pipe or socket has none).
     * Spans that follow each other in memory (slices of one buffer) got consecutive file bytes: recorded as
     * one read, so a page across their boundary counts as filled from one file range.
     */
    @Override
    public void scatteringRead(long[] spans, long bytes, int fd) {
        long end = Libc.lseek(fd, 0, Mman.SEEK_CUR);
        if (end < bytes) {
            return;
        }
        long at = end - bytes, left = bytes;
        long runAddress = 0, runBytes = 0, runAt = 0;
        for (int i = 0; i + 1 < spans.length && left > 0; i += 2) {
            long got = Math.min(spans[i + 1], left);
            if (got > 0) {
                if (runAddress != 0 && spans[i] == runAddress + runBytes) {
                    runBytes += got;
                } else {
                    if (runAddress != 0) {
                        read(runAddress, runBytes, fd, runAt);
                    }
                    runAddress = spans[i];
                    runBytes = got;
                    runAt = at;
                }
            }
            at += got;
            left -= got;
        }
        if (runAddress != 0) {
            read(runAddress, runBytes, fd, runAt);
        }
    }

    /** Synchronized with {@link #forget}, so the bound holds exactly (maps are rare). */
    @Override
    public synchronized void mapped(long address, long size, int fd, long fileOffset) {
        if (mappings.size() >= MAX_MAPPINGS) {
            return;
        }
        int own = Libc.dupCloexec(fd); // the channel may be closed, and its number reused, before the copy
        if (own < 0) {
            return;
        }
        Mapping previous = mappings.put(address, new Mapping(address, size, fileOffset, own));
        if (previous != null) { // its unmap was not seen: forget it
            close(previous);
        }
    }

    @Override
    public void unmapped(long address, long size) {
        if (!mappings.isEmpty()) { // every unmap of the JVM passes here
            forget(address, size);
        }
    }

    private synchronized void forget(long address, long size) {
        Map<Long, Mapping> gone = mappings.subMap(address, true, address + size, false);
        for (Mapping m : gone.values().toArray(Mapping[]::new)) {
            if (mappings.remove(m.address, m)) {
                close(m);
            }
        }
    }

    private static void close(Mapping m) {
        synchronized (m) {
            m.closed = true;
            Libc.close(m.fd);
        }
    }

    @Override
    public void copied(long dst, long src, long bytes) {
        if (dst < low || dst >= high) {
            return;
        }
        Map.Entry<Long, Mapping> e = mappings.floorEntry(src);
        if (e == null) {
            return;
        }
        Mapping m = e.getValue();
        if (src + bytes > m.address + m.size) {
            return;
        }
        synchronized (m) {
            if (!m.closed) {
                read(dst, bytes, m.fd, m.fileOffset + (src - m.address));
            }
        }
    }
}
