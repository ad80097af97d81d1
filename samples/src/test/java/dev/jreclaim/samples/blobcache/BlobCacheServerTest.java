package dev.jreclaim.samples.blobcache;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.sun.net.httpserver.HttpServer;
import dev.jreclaim.samples.service.HttpLoad;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The sample service on its own (no agent): every response checks out, and the checker can tell blobs apart. */
class BlobCacheServerTest {
    @Test
    void servesVerifiableBlobs() throws Exception {
        HttpServer server = BlobCacheServer.start(0, 256 << 10);
        try {
            HttpLoad.Result r = LoadDriver.run(server.getAddress().getPort(), 8, 32, 2, 256 << 10, Duration.ofMinutes(1));
            assertEquals(new HttpLoad.Result(32, 0, 0, r.millis()), r, r.line());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void contentDiffersPerBlobAndOffset() {
        assertNotEquals(BlobContent.crc32(1, 4096), BlobContent.crc32(2, 4096));
        assertNotEquals(BlobContent.byteAt(3, 0), BlobContent.byteAt(4, 0));
        assertNotEquals(BlobContent.crc32(5, 8192), BlobContent.crc32(5, 4096));
    }
}
