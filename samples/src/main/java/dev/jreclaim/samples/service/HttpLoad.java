package dev.jreclaim.samples.service;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Checked load over loopback: {@code requests} GETs of {@code paths} in turn (request {@code n} asks for
 * path {@code n % paths.size()}, so {@code paths.size() * rounds} requests read every item {@code rounds}
 * times), from {@code threads} threads, each 200 response's body checked by {@code check}. Bounded in
 * count and time: {@code limit} for the whole load, 10 s for each response, body included.
 */
public final class HttpLoad {
    /** Whether {@code body} is the right content of item {@code item}. */
    @FunctionalInterface
    public interface Check {
        boolean matches(int item, byte[] body);
    }

    /** Outcome of a load run: responses served and checked, wrong bodies, errors (connection, status). */
    public record Result(long served, long wrong, long errors, long millis) {
        /** The load that never ran (the service did not come up). */
        public static Result failedToStart() {
            return new Result(0, 0, 1, 0);
        }

        public double requestsPerSecond() {
            return served * 1000.0 / Math.max(1, millis);
        }

        public String line() {
            return "LOAD served=" + served + " wrong=" + wrong + " errors=" + errors + " millis=" + millis;
        }
    }

    private static final Duration PER_REQUEST = Duration.ofSeconds(5);

    private HttpLoad() {}

    public static Result run(int port, List<String> paths, Check check, long requests, int threads, Duration limit)
            throws InterruptedException {
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
                    int item = (int) (n % paths.size());
                    CompletableFuture<HttpResponse<byte[]>> call = client.sendAsync(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + paths.get(item)))
                                    .timeout(PER_REQUEST).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    try {
                        // The request timeout ends at the headers; a service that dies mid-body must not hang the load.
                        HttpResponse<byte[]> resp = call.get(2 * PER_REQUEST.toMillis(), TimeUnit.MILLISECONDS);
                        if (resp.statusCode() != 200) {
                            errors.incrementAndGet();
                            continue;
                        }
                        if (!check.matches(item, resp.body())) {
                            wrong.incrementAndGet();
                        }
                        served.incrementAndGet();
                    } catch (Exception e) {
                        call.cancel(true);
                        errors.incrementAndGet();
                    }
                }
            });
        }
        pool.shutdown();
        pool.awaitTermination(limit.toMillis() + 60_000, TimeUnit.MILLISECONDS);
        client.shutdownNow();
        return new Result(served.get(), wrong.get(), errors.get(), (System.nanoTime() - start) / 1_000_000);
    }
}
