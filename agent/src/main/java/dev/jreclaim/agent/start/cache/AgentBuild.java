package dev.jreclaim.agent.start.cache;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * What identifies the agent's build for the transform cache: the agent jar's file (path, device, inode, size, change
 * and modification times: one stat, no read), with the JVM's version. A jar rebuilt, copied or replaced in any way
 * is a new inode or a new change time (ctime, which no program can set back), so a cache never outlives the build
 * that wrote it; the same build copied elsewhere only starts with an empty cache.
 */
public final class AgentBuild {
    private AgentBuild() {}

    /**
     * The fingerprint of the jar that holds the agent's classes.
     *
     * @throws IOException when the agent does not run from a jar (classes in a directory: tests), or it cannot be read
     */
    public static String fingerprint() throws IOException {
        String resource = AgentBuild.class.getName().replace('.', '/') + ".class";
        java.net.URL url = ClassLoader.getSystemResource(resource);
        if (url == null || !"jar".equals(url.getProtocol()) || !url.getPath().startsWith("file:")) {
            throw new IOException("the agent's classes are not in a jar (" + url + ")");
        }
        String path = url.getPath();
        Path jar;
        try {
            jar = Path.of(new URI(path.substring(0, path.indexOf("!/"))));
        } catch (java.net.URISyntaxException | RuntimeException e) {
            throw new IOException("cannot locate the agent jar from " + url, e);
        }
        return of(jar);
    }

    /** Not FileTime.toString or toInstant: java.time's formatting costs start-up ms. */
    private static long nanos(Object time) {
        return ((java.nio.file.attribute.FileTime) time).to(java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    static String of(Path jar) throws IOException {
        java.util.Map<String, Object> a = java.nio.file.Files.readAttributes(jar, "unix:dev,ino,size,ctime,lastModifiedTime");
        return jar + " dev " + a.get("dev") + " ino " + a.get("ino") + " size " + a.get("size") + " ctime "
                + nanos(a.get("ctime")) + " mtime "
                + nanos(a.get("lastModifiedTime")) + " on "
                + System.getProperty("java.vm.version");
    }
}
