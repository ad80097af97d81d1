package dev.jreclaim.agent.runtime;

import java.nio.file.Files;
import java.nio.file.Path;

/** A child program (NativeLoadingIT): prints where libjreclaim.so is mapped from, per /proc/self/maps. */
public final class LibraryMapping {
    private LibraryMapping() {}

    public static void main(String[] args) throws Exception {
        String from = Files.readAllLines(Path.of("/proc/self/maps")).stream()
                .filter(l -> l.contains("libjreclaim.so") || l.contains("/jreclaim-"))
                .map(l -> l.substring(l.indexOf('/')))
                .findFirst().orElse("nowhere");
        System.out.println("agent running: " + (ReclaimRuntime.current() != null));
        System.out.println("library mapped from: " + from);
    }
}
