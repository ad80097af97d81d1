package dev.jreclaim.samples.jetty;

import java.nio.file.Path;
import org.eclipse.jetty.http.content.CachingHttpContentFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ResourceHandler;
import org.eclipse.jetty.util.resource.ResourceFactory;

/**
 * Jetty 12.1, unmodified, serving a directory through {@link ResourceHandler} with its content cache
 * (docs/recipes/jetty-12.md): cached files are held in direct buffers from Jetty's own pool. The only
 * settings are the cache's limits (large enough that nothing is evicted) and no file mapping (it would map
 * every file besides caching it). Listens on 127.0.0.1 only.
 *
 * <p>{@code java ... JettyFileServer <dir> [maxCacheBytes]}; prints {@code listening on <port>} when ready.
 */
public final class JettyFileServer {
    private JettyFileServer() {}

    public static void main(String[] args) throws Exception {
        Server server = start(Path.of(args[0]), args.length > 1 ? Long.parseLong(args[1]) : 1L << 30);
        System.out.println("listening on " + ((ServerConnector) server.getConnectors()[0]).getLocalPort());
        System.out.flush();
        server.join();
    }

    public static Server start(Path dir, long maxCacheBytes) throws Exception {
        Server server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ResourceHandler files = new ResourceHandler();
        files.setBaseResource(ResourceFactory.of(server).newResource(dir.toAbsolutePath()));
        files.setMinMappedFileSize(0);
        server.setHandler(files);
        server.start();
        // ResourceHandler always caches; its limits are set on the factory once it runs.
        CachingHttpContentFactory cache = (CachingHttpContentFactory) files.getHttpContentFactory();
        cache.setMaxCachedFileSize(64 << 20);
        cache.setMaxCacheSize(maxCacheBytes);
        cache.setMaxCachedFiles(4096);
        return server;
    }
}
