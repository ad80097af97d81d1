package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.VolatileRange;
import dev.jreclaim.instrumentation.api.FileReadListener;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The ranges of {@code rebuild:file} rules, by base address, and what a JDK file read into one of them tells
 * the library (docs/fault-path.md, "Pages rebuilt from the file they were read from"). Every read of the JVM
 * passes here: one comparison against the lowest and highest address decides for all reads outside the
 * ranges, before any lookup.
 */
final class FileReads implements FileReadListener {
    private final ConcurrentSkipListMap<Long, VolatileRange> ranges = new ConcurrentSkipListMap<>();
    private volatile long low = Long.MAX_VALUE;
    private volatile long high = Long.MIN_VALUE;

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
    public void read(long address, long bytes, int fd, long position) {
        if (address < low || address >= high) {
            return;
        }
        Map.Entry<Long, VolatileRange> e = ranges.floorEntry(address);
        if (e == null) {
            return;
        }
        VolatileRange r = e.getValue();
        long offset = address - e.getKey();
        if (offset + bytes <= r.byteSize()) {
            r.recordFileRead(offset, bytes, fd, position);
        }
    }
}
