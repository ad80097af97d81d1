package dev.jreclaim.samples.blobcache;

import dev.jreclaim.samples.service.HttpLoad;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

/**
 * Load for {@link BlobCacheServer}: {@code requests} GETs over {@code blobs} ids (each id asked for
 * in turn, so the whole cache is read again and again), from {@code threads} threads, each
 * response's body checked against the content the driver computes itself. Bounded in count and
 * time; loopback only. Prints one {@code LOAD key=value ...} line.
 *
 * <p>{@code java ... LoadDriver <port> <blobs> <requests> [threads] [blobBytes]}
 */
public final class LoadDriver {
    private LoadDriver() {}

    public static void main(String[] args) throws Exception {
        int port = Integer.parseInt(args[0]);
        int blobs = Integer.parseInt(args[1]);
        int requests = Integer.parseInt(args[2]);
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 4;
        long blobSize = args.length > 4 ? Long.parseLong(args[4]) : 1 << 20;
        HttpLoad.Result r = run(port, blobs, requests, threads, blobSize, Duration.ofMinutes(5));
        System.out.println(r.line());
        System.exit(r.errors() == 0 && r.wrong() == 0 && r.served() == requests ? 0 : 1);
    }

    public static HttpLoad.Result run(int port, int blobs, long requests, int threads, long blobSize, Duration limit)
            throws InterruptedException {
        long[] expected = new long[blobs];
        for (int i = 0; i < blobs; i++) {
            expected[i] = BlobContent.crc32(i, blobSize);
        }
        List<String> paths = IntStream.range(0, blobs).mapToObj(i -> "/blob/" + i).toList();
        return HttpLoad.run(port, paths, (id, body) -> {
            CRC32 crc = new CRC32();
            crc.update(body);
            return crc.getValue() == expected[id] && body.length == blobSize;
        }, requests, threads, limit);
    }
}
