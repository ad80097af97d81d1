package dev.jreclaim.samples.blobcache;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
        Result r = run(port, blobs, requests, threads, blobSize, Duration.ofMinutes(5));
        System.out.println(r.line());
        System.exit(r.errors() == 0 && r.wrong() == 0 && r.served() == requests ? 0 : 1);
    }

    /** Outcome of a load run: responses served and checked, wrong bodies, errors (connection, status). */
    public record Result(long served, long wrong, long errors, long millis) {
        public String line() {
            return "LOAD served=" + served + " wrong=" + wrong + " errors=" + errors + " millis=" + millis;
        }
    }

    public static Result run(int port, int blobs, int requests, int threads, long blobSize, Duration limit)
            throws InterruptedException {
        long[] expected = new long[blobs];
        for (int i = 0; i < blobs; i++) {
            expected[i] = BlobContent.crc32(i, blobSize);
        }
        HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        AtomicLong next = new AtomicLong();
        AtomicLong served = new AtomicLong();
        AtomicLong wrong = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        long start = System.nanoTime();
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        for (int t = 0; t < threads; t++) {
            pool.execute(() -> {
                long n;
                while ((n = next.getAndIncrement()) < requests && System.nanoTime() - start < limit.toNanos()) {
                    int id = (int) (n % blobs);
                    try {
                        HttpResponse<byte[]> resp = client.send(
                                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/blob/" + id))
                                        .timeout(Duration.ofSeconds(30)).build(),
                                HttpResponse.BodyHandlers.ofByteArray());
                        if (resp.statusCode() != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                        CRC32 crc = new CRC32();
                        crc.update(resp.body());
                        if (crc.getValue() != expected[id] || resp.body().length != blobSize) {
                            wrong.incrementAndGet();
                        }
                        served.incrementAndGet();
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(limit.toMillis() + 60_000, TimeUnit.MILLISECONDS);
        client.close();
        return new Result(served.get(), wrong.get(), errors.get(), (System.nanoTime() - start) / 1_000_000);
    }
}
