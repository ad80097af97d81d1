package dev.jreclaim.samples.blobcache;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.zip.CRC32;

/**
 * A small HTTP service with an off-heap blob cache: {@code GET /blob/<id>} returns the blob with
 * its CRC32 in {@code X-Blob-Crc32} (computed from the cached bytes as they are sent),
 * {@code GET /stats} the cache size. Listens on 127.0.0.1 only. Uses no jreclaim API: the agent
 * makes its cache reclaimable from the outside.
 *
 * <p>{@code java ... BlobCacheServer [port] [blobBytes]}; prints {@code listening on <port>} when ready.
 */
public final class BlobCacheServer {
    private BlobCacheServer() {}

    public static void main(String[] args) throws IOException {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 0;
        long blobSize = args.length > 1 ? Long.parseLong(args[1]) : 1 << 20;
        HttpServer server = start(port, blobSize);
        System.out.println("listening on " + server.getAddress().getPort());
        System.out.flush();
    }

    /** Starts the service on 127.0.0.1:{@code port} (0: any free port). */
    public static HttpServer start(int port, long blobSize) throws IOException {
        BlobStore store = new BlobStore(blobSize);
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext("/blob/", ex -> serveBlob(ex, store));
        server.createContext("/stats", ex -> reply(ex, 200, ("cached=" + store.cached() + " loads=" + store.loads()
                + " blobBytes=" + store.blobSize() + "\n").getBytes(StandardCharsets.US_ASCII)));
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        return server;
    }

    private static void serveBlob(HttpExchange ex, BlobStore store) throws IOException {
        long id;
        try {
            id = Long.parseLong(ex.getRequestURI().getPath().substring("/blob/".length()));
        } catch (NumberFormatException e) {
            reply(ex, 400, "bad blob id\n".getBytes(StandardCharsets.US_ASCII));
            return;
        }
        ByteBuffer blob = store.get(id);
        byte[] body = new byte[blob.remaining()];
        blob.get(body);
        CRC32 crc = new CRC32();
        crc.update(body);
        ex.getResponseHeaders().add("X-Blob-Crc32", Long.toString(crc.getValue()));
        reply(ex, 200, body);
    }

    private static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
        ex.sendResponseHeaders(status, body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }
}
