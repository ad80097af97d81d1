package dev.jreclaim.benchmarks.suite;

import static dev.jreclaim.benchmarks.suite.BenchLine.f;

import dev.jreclaim.agent.cgroup.MemoryCgroup;
import dev.jreclaim.samples.blobcache.BlobCacheServer;
import dev.jreclaim.samples.blobcache.BlobContent;
import dev.jreclaim.samples.service.AgentExitLine;
import dev.jreclaim.samples.service.HttpLoad;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import java.util.zip.CRC32;

/**
 * Issue 11's service ratios: the blob-cache sample (samples/…/blobcache, no jreclaim API) under the demo's load
 * (every blob asked for 3 times by 4 threads, every response's CRC32 checked), with and without the agent and
 * samples/blobcache-jreclaim.properties, in the same run. Requests/s of the loading pass (each blob produced and,
 * with the agent, marked) and of the two passes of cache hits are measured apart, the breakdown a line's "why"
 * names. The demo's load is a cyclic scan (blob n mod 384), LRU's worst case once the cache outgrows the cgroup:
 * beside it, {@code service-cgroup-256MiB-zipf} serves the same cache with hits of skewed popularity, and the
 * cgroup line names what the plain JDK did in the same cgroup. Runs without a memory limit need nothing; runs in a
 * memory cgroup need root (the line says so otherwise).
 *
 * <p>{@code ServiceBench <agent.jar> <config.properties> <samples.jar>}; prints {@code name: value (…; goal …)} lines.
 */
public final class ServiceBench {
    static final long BLOB = 1 << 20;
    static final int BLOBS = 384;
    static final int BLOBS_4X = 1024;
    static final long CGROUP = 256L << 20;
    static final int THREADS = 4;
    /** Runs of each kind without a limit; their medians are compared. */
    static final int RUNS = 3;
    static final Duration LIMIT = Duration.ofMinutes(3);
    /** The Zipf exponent of the second line's cache hits (web and CDN object popularity is measured near 0.6-1.0). */
    static final double ZIPF_S = 1.0;
    static final long ZIPF_SEED = 11;

    private final Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    private final String agentJar;
    private final String config;
    private final String classPath;

    private ServiceBench(String agentJar, String config, String classPath) {
        this.agentJar = agentJar;
        this.config = config;
        this.classPath = classPath;
    }

    /** One run: requests/s of the loading pass, of the hit passes, and of all of them; what went wrong; the agent's exit figures. */
    record Run(double loadingRps, double hitsRps, double allRps, long served, long wrong, long errors, boolean killed,
            long peakBytes, AgentExitLine exit, String failure) {
        boolean allRight(long requests) {
            return served == requests && wrong == 0 && errors == 0 && failure.isEmpty();
        }

        String outcome(long requests) {
            return "served " + served + " of " + requests + ", wrong " + wrong + ", errors " + errors
                    + (killed ? ", OOM-KILLED" : ", not killed") + (failure.isEmpty() ? "" : ", " + failure);
        }
    }

    public static void main(String[] args) throws Exception {
        new ServiceBench(Path.of(args[0]).toAbsolutePath().toString(), Path.of(args[1]).toAbsolutePath().toString(),
                Path.of(args[2]).toAbsolutePath().toString()).run();
    }

    private void run() throws Exception {
        long[] expected = crcs(BLOBS_4X);
        long requests = 3L * BLOBS;
        List<Run> plain = new ArrayList<>(), agent = new ArrayList<>();
        for (int i = 0; i < RUNS; i++) { // alternated, so that the machine's drift hits both alike
            plain.add(run(false, BLOBS, 0, expected));
            agent.add(run(true, BLOBS, 0, expected));
        }
        double p = median(plain, Run::allRps), a = median(agent, Run::allRps);
        double pLoad = median(plain, Run::loadingRps), aLoad = median(agent, Run::loadingRps);
        double pHits = median(plain, Run::hitsRps), aHits = median(agent, Run::hitsRps);
        boolean right = agent.stream().allMatch(r -> r.allRight(requests)) && plain.stream().allMatch(r -> r.allRight(requests));
        String why = aLoad / pLoad <= aHits / pHits ? "loading pass (allocate, fill, mark) " + f(aLoad / pLoad) + "x"
                : "cache hits " + f(aHits / pHits) + "x";
        System.out.println(BenchLine.atLeast("service-unlimited", a / p, "x",
                "requests/s with the agent " + f(a) + ", plain JDK " + f(p) + ", no memory limit, " + BLOBS + " x 1 MiB blobs x 3 passes;"
                        + " loading pass " + f(aLoad / pLoad) + "x, cache hits " + f(aHits / pHits) + "x; medians of " + RUNS + " runs each"
                        + (right ? ", every response right" : ", NOT ALL RIGHT: " + agent.get(0).outcome(requests)),
                0.97, why));

        String noCgroup = cgroupUnavailable();
        if (noCgroup != null) {
            System.out.println(BenchLine.skipped("service-cgroup-256MiB", noCgroup));
            System.out.println(BenchLine.skipped("service-cgroup-256MiB-zipf", noCgroup));
            System.out.println(BenchLine.skipped("service-4x-overcommit", noCgroup));
            return;
        }
        Run c = run(true, BLOBS, CGROUP, expected);
        // The fair point without the agent: the plain JDK in the same cgroup (it cannot hold the cache: 384 MiB of
        // blobs and about 85 MiB of JVM in 256 MiB).
        Run cPlain = run(false, BLOBS, CGROUP, expected);
        // A cyclic scan over more than the cgroup holds: under LRU every page is dropped before it is asked for again,
        // so each hit pass rebuilds the whole cache, and each rebuild first reclaims a page in the full cgroup
        // (docs/benchmarks.md, "The 256 MiB run taken apart").
        long cachePages = (long) BLOBS << 20 >> 12;
        String cWhy = c.exit.pagesRebuilt() > 0 ? f(c.exit.pagesRebuilt() / (double) cachePages) + " times the cache's "
                + cachePages + " pages rebuilt (cache hits " + f(c.hitsRps / pHits) + "x): the requests scan the cache in"
                + " order, so under LRU no page the cgroup holds is still there when it is asked for again, and every"
                + " rebuild first reclaims a page in the full cgroup (memcg reclaim in UFFDIO_COPY)"
                : "loading pass " + f(c.loadingRps / pLoad) + "x";
        System.out.println(BenchLine.atLeast("service-cgroup-256MiB", c.allRps / p, "x",
                "the agent in a 256 MiB cgroup, " + BLOBS + " MiB cache (1.5x over-commit): " + f(c.allRps)
                        + " requests/s against the unlimited plain run's " + f(p) + "; loading pass " + f(c.loadingRps / pLoad)
                        + "x, cache hits " + f(c.hitsRps / pHits) + "x; " + c.outcome(requests) + ", cgroup peak "
                        + (c.peakBytes >> 20) + " MiB, " + c.exit.pagesRebuilt() + " pages rebuilt; the plain JDK in the same cgroup: "
                        + plainInCgroup(cPlain, requests),
                0.85, cWhy));

        // The same cache and cgroup, its hits drawn from a Zipf distribution instead of the cyclic scan above (under
        // which no page the cgroup can hold is still there when it is asked for again: docs/benchmarks.md).
        int[] zipf = zipfHits(BLOBS);
        Run zPlain = run(false, BLOBS, zipf, 0, expected, "z");
        Run z = run(true, BLOBS, zipf, CGROUP, expected, "z");
        String zWhy = z.exit.pagesRebuilt() > 0 ? "faults: " + z.exit.pagesRebuilt() + " pages rebuilt"
                : "loading pass " + f(z.loadingRps / zPlain.loadingRps) + "x";
        System.out.println(BenchLine.atLeast("service-cgroup-256MiB-zipf", z.allRps / zPlain.allRps, "x",
                "no goal of its own in issue 11, the cyclic line's bar; the agent in a 256 MiB cgroup, " + BLOBS
                        + " MiB cache, loaded in order, then " + zipf.length + " hits of Zipf " + f(ZIPF_S) + " popularity ("
                        + distinct(zipf) + " distinct blobs): " + f(z.allRps) + " requests/s against " + f(zPlain.allRps)
                        + " of the plain JDK without a limit (same sequence); loading pass " + f(z.loadingRps / zPlain.loadingRps)
                        + "x, cache hits " + f(z.hitsRps / zPlain.hitsRps) + "x; " + z.outcome(requests) + ", cgroup peak "
                        + (z.peakBytes >> 20) + " MiB, " + z.exit.pagesRebuilt() + " pages rebuilt",
                0.85, zWhy));

        long requests4x = 3L * BLOBS_4X;
        Run p4 = run(false, BLOBS_4X, 0, expected);
        Run a4 = run(true, BLOBS_4X, CGROUP, expected);
        boolean ok = !a4.killed && a4.allRight(requests4x);
        double ratio = lz4Ratio();
        String killedWhy = "OOM-killed: its snapshots alone are about " + Math.round(BLOBS_4X / ratio)
                + " MiB (LZ4 " + f(ratio) + "x of the blobs, measured here) that the kernel cannot drop";
        System.out.println(BenchLine.judged("service-4x-overcommit", f(a4.allRps / p4.allRps) + "x",
                "the agent in a 256 MiB cgroup, " + BLOBS_4X + " MiB cache: " + f(a4.allRps) + " requests/s against "
                        + f(p4.allRps) + " of the plain JDK without a limit (same cache); " + a4.outcome(requests4x)
                        + ", cgroup peak " + (a4.peakBytes >> 20) + " MiB, " + a4.exit.pagesRebuilt() + " pages rebuilt",
                "not killed, every response right, ratio reported", ok, a4.killed ? killedWhy : "wrong or failed responses"));
    }

    /** What the plain JDK did in the agent's cgroup: killed after how many responses, or its rate. */
    private static String plainInCgroup(Run r, long requests) {
        return r.killed ? "OOM-killed after " + r.served + " of " + requests + " responses"
                : f(r.allRps) + " requests/s, " + r.outcome(requests);
    }

    private static long distinct(int[] ids) {
        return IntStream.of(ids).distinct().count();
    }

    private static String cgroupUnavailable() {
        try (MemoryCgroup probe = MemoryCgroup.createChild("jreclaim-bench-probe-" + ProcessHandle.current().pid(), 1 << 30)) {
            return null;
        } catch (IOException e) {
            return "needs a writable memory cgroup (root, or a delegated cgroup v2 subtree): " + e.getMessage();
        }
    }

    /** The two passes of cache hits the demo's load makes: every blob in turn, twice (a cyclic scan). */
    static int[] cyclicHits(int blobs) {
        return IntStream.range(0, 2 * blobs).map(i -> i % blobs).toArray();
    }

    /**
     * As many cache hits as {@link #cyclicHits}, drawn from a Zipf distribution of exponent {@link #ZIPF_S} over the
     * blobs (the popularity of objects in web and CDN caches), the blobs' ranks shuffled so that popularity says
     * nothing of the order they were loaded in; a fixed seed, so the plain and agent runs see the same sequence.
     */
    static int[] zipfHits(int blobs) {
        Random rnd = new Random(ZIPF_SEED);
        int[] rankToId = IntStream.range(0, blobs).toArray();
        for (int i = blobs - 1; i > 0; i--) {
            int j = rnd.nextInt(i + 1);
            int t = rankToId[i];
            rankToId[i] = rankToId[j];
            rankToId[j] = t;
        }
        double[] cumulative = new double[blobs];
        double sum = 0;
        for (int r = 0; r < blobs; r++) {
            sum += 1 / Math.pow(r + 1, ZIPF_S);
            cumulative[r] = sum;
        }
        int[] hits = new int[2 * blobs];
        for (int i = 0; i < hits.length; i++) {
            int r = Arrays.binarySearch(cumulative, rnd.nextDouble() * sum);
            hits[i] = rankToId[Math.min(blobs - 1, r < 0 ? -r - 1 : r)];
        }
        return hits;
    }

    private Run run(boolean withAgent, int blobs, long limitBytes, long[] expected) throws Exception {
        return run(withAgent, blobs, cyclicHits(blobs), limitBytes, expected, "");
    }

    /**
     * One run: the loading pass (every blob once, in order), then {@code hits} (blob ids in request order) as the
     * cache-hit passes; {@code tag} tells the cgroup's name apart.
     */
    private Run run(boolean withAgent, int blobs, int[] hits, long limitBytes, long[] expected, String tag) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "-Xmx64m", "-XX:+UseSerialGC", "-XX:MaxDirectMemorySize=2g",
                "--enable-native-access=ALL-UNNAMED"));
        if (withAgent) {
            cmd.add("-javaagent:" + agentJar + "=config=" + config);
        }
        cmd.addAll(List.of("-cp", classPath, BlobCacheServer.class.getName(), "0", Long.toString(BLOB)));
        MemoryCgroup cg = limitBytes > 0
                ? MemoryCgroup.createChild("jreclaim-bench-" + ProcessHandle.current().pid() + "-" + blobs + tag + (withAgent ? "a" : "p"),
                        limitBytes)
                : null;
        try {
            Process proc = new ProcessBuilder(cg == null ? cmd : cg.wrap(cmd)).redirectErrorStream(true).start();
            CompletableFuture<Integer> port = new CompletableFuture<>();
            List<String> lines = new ArrayList<>();
            Thread reader = Thread.ofPlatform().daemon().start(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(proc.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String l; (l = r.readLine()) != null; ) {
                        synchronized (lines) {
                            lines.add(l);
                        }
                        if (l.startsWith("listening on ")) {
                            port.complete(Integer.parseInt(l.substring("listening on ".length()).trim()));
                        }
                    }
                } catch (IOException e) {
                    // the service is gone: its exit code says why
                }
                port.complete(-1);
            });
            HttpLoad.Result loading = HttpLoad.Result.failedToStart(), hitLoad = HttpLoad.Result.failedToStart();
            String failure = "";
            try {
                int at = port.get(60, TimeUnit.SECONDS);
                if (at < 0) {
                    failure = "the service did not start";
                } else {
                    loading = load(at, IntStream.range(0, blobs).toArray(), expected);
                    hitLoad = load(at, hits, expected);
                }
            } catch (java.util.concurrent.TimeoutException e) {
                failure = "the service did not start in 60 s";
            } finally {
                proc.toHandle().destroy(); // SIGTERM: the agent prints its exit line
                if (!proc.waitFor(30, TimeUnit.SECONDS)) {
                    proc.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
                reader.join(Duration.ofSeconds(10));
            }
            String exitLine;
            boolean killed = proc.exitValue() == 137 || (cg != null && cg.oomKills() > 0);
            synchronized (lines) {
                exitLine = lines.stream().filter(l -> l.startsWith("jreclaim: at exit:")).findFirst().orElse("");
                if (!failure.isEmpty()) {
                    failure += ": " + String.join(" | ", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
                } else if (killed && withAgent) { // what the agent said before the kill: did it start, did it warn
                    List<String> agentLines = lines.stream().filter(l -> l.startsWith("jreclaim:")).toList();
                    failure = "the agent's lines before the kill: " + (agentLines.isEmpty() ? "none"
                            : String.join(" | ", agentLines.subList(Math.max(0, agentLines.size() - 3), agentLines.size())));
                }
            }
            double all = (loading.served() + hitLoad.served()) * 1000.0 / Math.max(1, loading.millis() + hitLoad.millis());
            return new Run(loading.requestsPerSecond(), hitLoad.requestsPerSecond(), all, loading.served() + hitLoad.served(),
                    loading.wrong() + hitLoad.wrong(), loading.errors() + hitLoad.errors(), killed, cg == null ? -1 : cg.peakBytes(),
                    AgentExitLine.parse(exitLine), failure);
        } finally {
            if (cg != null) {
                cg.close();
            }
        }
    }

    /** One GET of each blob of {@code ids}, in that order, from {@link #THREADS} threads, every body's CRC32 checked. */
    private static HttpLoad.Result load(int port, int[] ids, long[] expected) throws InterruptedException {
        List<String> paths = IntStream.of(ids).mapToObj(i -> "/blob/" + i).toList();
        return HttpLoad.run(port, paths, (item, body) -> {
            CRC32 crc = new CRC32();
            crc.update(body);
            return body.length == BLOB && crc.getValue() == expected[ids[item]];
        }, ids.length, THREADS, LIMIT);
    }

    /** How much smaller LZ4 makes a blob in the service's 64 KiB chunks (what a SNAPSHOT range keeps). */
    private static double lz4Ratio() {
        byte[] blob = new byte[(int) BLOB];
        BlobContent.fill(blob, 1, 0);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(BLOB, 4096);
            MemorySegment.copy(blob, 0, src, ValueLayout.JAVA_BYTE, 0, blob.length);
            int chunk = RestoreChild.CHUNK;
            MemorySegment dst = arena.allocate(Lz4.bound(chunk));
            long total = 0;
            for (long off = 0; off < BLOB; off += chunk) {
                total += Lz4.compress(src.asSlice(off, chunk), dst, chunk);
            }
            return (double) BLOB / total;
        }
    }

    private static long[] crcs(int blobs) {
        return IntStream.range(0, blobs).parallel().mapToLong(i -> BlobContent.crc32(i, BLOB)).toArray();
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> figure) {
        double[] v = runs.stream().mapToDouble(figure).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }
}
