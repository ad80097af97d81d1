package dev.jreclaim.samples.blobcache;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory cache of blobs held off-heap, the way caches in real services do: even ids in
 * {@code ByteBuffer.allocateDirect} buffers, odd ids in FFM segments of a shared arena. It never
 * evicts: the cache grows with the key space, which is what makes it a candidate for reclaim.
 * Knows nothing of jreclaim.
 */
public final class BlobStore {
    private final long blobSize;
    private final ConcurrentHashMap<Long, ByteBuffer> blobs = new ConcurrentHashMap<>();
    private final Arena arena = Arena.ofShared();
    private final AtomicLong loads = new AtomicLong();

    public BlobStore(long blobSize) {
        this.blobSize = blobSize;
    }

    public long blobSize() {
        return blobSize;
    }

    /** The cached blob, loading it on first request. */
    public ByteBuffer get(long id) {
        return blobs.computeIfAbsent(id, this::loadBlob).duplicate();
    }

    /** Produces a blob into fresh off-heap memory (the site a jreclaim rule would name: BlobStore#load*). */
    ByteBuffer loadBlob(long id) {
        loads.incrementAndGet();
        ByteBuffer buf;
        if (id % 2 == 0) {
            buf = ByteBuffer.allocateDirect((int) blobSize);
        } else {
            MemorySegment seg = arena.allocate(blobSize, 4096);
            buf = seg.asByteBuffer();
        }
        byte[] chunk = new byte[64 << 10];
        for (long off = 0; off < blobSize; off += chunk.length) {
            int n = (int) Math.min(chunk.length, blobSize - off);
            BlobContent.fill(chunk, id, off);
            buf.put((int) off, chunk, 0, n);
        }
        return buf;
    }

    public int cached() {
        return blobs.size();
    }

    public long loads() {
        return loads.get();
    }
}
