package dev.jreclaim.samples.jetty;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jreclaim.samples.service.HttpLoad;
import dev.jreclaim.samples.service.ServedFiles;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.jetty.http.content.CachingHttpContentFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jetty as the end-to-end test runs it, in this JVM without the agent: right bytes, and every file really is in its cache. */
class JettyFileServerTest {
    @TempDir
    Path dir;

    @Test
    void servesFromItsContentCache() throws Exception {
        ServedFiles files = ServedFiles.in(dir).add(ServedFiles.Kind.INCOMPRESSIBLE, 3, 200_000)
                .add(ServedFiles.Kind.TEXT, 2, 100_000).add(ServedFiles.Kind.TEXT, 1, 65_000);
        Server server = JettyFileServer.start(dir, 1L << 30);
        try {
            int port = ((ServerConnector) server.getConnectors()[0]).getLocalPort();
            HttpLoad.Result r = HttpLoad.run(port, files.paths("/"), files.check(), 3L * files.count(), 2, Duration.ofMinutes(1));
            assertEquals(new HttpLoad.Result(3L * files.count(), 0, 0, r.millis()), r, r.line());
            CachingHttpContentFactory cache = (CachingHttpContentFactory) ((ResourceHandler) server.getHandler())
                    .getHttpContentFactory();
            assertEquals(files.count(), cache.getCachedFiles(), "files in Jetty's content cache");
            assertEquals(files.totalBytes(), cache.getCachedSize(), "bytes in Jetty's content cache");
        } finally {
            server.stop();
        }
    }
}
