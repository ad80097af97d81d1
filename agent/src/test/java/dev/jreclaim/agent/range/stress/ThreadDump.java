package dev.jreclaim.agent.range.stress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A stack dump of a JVM that may be hung at a safepoint: jcmd cannot attach to it then (docs/fault-path.md,
 * "A JVM waiting on a fault"), jhsdb can, since it reads the process from outside.
 */
final class ThreadDump {
    private ThreadDump() {}

    static String of(long pid) {
        Path jhsdb = Path.of(System.getProperty("java.home"), "bin", "jhsdb");
        try {
            Path out = Files.createTempFile("jreclaim-jstack-", ".txt");
            try {
                Process p = new ProcessBuilder(jhsdb.toString(), "jstack", "--pid", Long.toString(pid))
                        .redirectErrorStream(true).redirectOutput(out.toFile()).start();
                if (!p.waitFor(90, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    return "(jhsdb jstack did not finish within 90 s)\n" + Files.readString(out);
                }
                return "jhsdb jstack --pid " + pid + " (exit " + p.exitValue() + "):\n" + Files.readString(out);
            } finally {
                Files.deleteIfExists(out);
            }
        } catch (IOException e) {
            return "(jhsdb jstack failed: " + e + ")";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "(interrupted while waiting for jhsdb jstack)";
        }
    }
}
