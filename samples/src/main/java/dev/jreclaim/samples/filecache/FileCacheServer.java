package dev.jreclaim.samples.filecache;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;

/**
 * A static-file service: {@code GET /files/<name>} returns the file {@code <name>} of its directory from
 * {@link FileCache} (direct buffers), {@code GET /stats} the cache size. Listens on 127.0.0.1 only. Uses no
 * jreclaim API.
 *
 * <p>{@code java ... FileCacheServer <dir> [port]}; prints {@code listening on <port>} when ready.
 */
public final class FileCacheServer {
    /** Names served: one directory level, no hidden files, no path tricks. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");

    private FileCacheServer() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1) {
            System.err.println("usage: FileCacheServer <dir> [port]");
            System.exit(2);
        }
        HttpServer server = start(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 0);
        System.out.println("listening on " + server.getAddress().getPort());
        System.out.flush();
    }

    /** Starts the service on 127.0.0.1:{@code port} (0: any free port) over the files of {@code dir}. */
    public static HttpServer start(Path dir, int port) throws IOException {
        FileCache cache = new FileCache(dir);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/files/", ex -> serveFile(ex, dir, cache));
        server.createContext("/stats", ex -> reply(ex, 200, ("cached=" + cache.cached() + " loads=" + cache.loads() + "\n")
                .getBytes(StandardCharsets.US_ASCII)));
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        return server;
    }

    private static void serveFile(HttpExchange ex, Path dir, FileCache cache) throws IOException {
        String name = ex.getRequestURI().getPath().substring("/files/".length());
        if (!NAME.matcher(name).matches() || !Files.isRegularFile(dir.resolve(name))) {
            reply(ex, 404, "no such file\n".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        ByteBuffer file;
        try {
            file = cache.get(name);
        } catch (UncheckedIOException e) {
            reply(ex, 500, (e.getCause().getMessage() + "\n").getBytes(StandardCharsets.UTF_8));
            return;
        }
        ex.sendResponseHeaders(200, file.remaining());
        byte[] chunk = new byte[64 << 10];
        try (OutputStream out = ex.getResponseBody()) {
            while (file.hasRemaining()) {
                int n = Math.min(chunk.length, file.remaining());
                file.get(chunk, 0, n);
                out.write(chunk, 0, n);
            }
        }
    }

    private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
