package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A child JVM for the agent's integration tests, with a time limit; stdout and stderr kept apart. */
final class ChildJvm {
    static final Duration TIMEOUT = Duration.ofSeconds(120);
    static final Path JAVA = Path.of(System.getProperty("java.home"), "bin", "java");
    static final Path JAVA_17 = Path.of("/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

    private ChildJvm() {}

    record Result(List<String> command, int exit, List<String> out, List<String> err) {
        /** Lines the agent printed (to stderr), which start with "jreclaim: ". */
        List<String> agentLines() {
            return err.stream().filter(l -> l.startsWith("jreclaim: ")).toList();
        }

        @Override
        public String toString() {
            return String.join(" ", command) + "\nexit " + exit + "\n--- stdout\n" + String.join("\n", out)
                    + "\n--- stderr\n" + String.join("\n", err);
        }
    }

    static Path agentJar() {
        Path jar = Path.of(System.getProperty("test.jreclaim.jar"));
        assertTrue(Files.isRegularFile(jar), "the agent jar is not built: " + jar);
        return jar;
    }

    static Path testClasses() {
        return Path.of(System.getProperty("test.jreclaim.testClasses"));
    }

    static Result run(List<String> command) throws IOException, InterruptedException {
        Path out = Files.createTempFile("jreclaim-child-", ".out");
        Path err = Files.createTempFile("jreclaim-child-", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            if (!p.waitFor(TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly().waitFor();
                fail("child JVM did not finish within " + TIMEOUT + " (killed): " + String.join(" ", command) + "\n"
                        + Files.readString(out) + "\n" + Files.readString(err));
            }
            Result r = new Result(command, p.exitValue(), Files.readAllLines(out), Files.readAllLines(err));
            System.out.println(r);
            return r;
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    /** {@code java --enable-native-access=ALL-UNNAMED [-javaagent:jar=args] jvmArgs -cp test-classes main}. */
    static List<String> java(String agentArgs, List<String> jvmArgs, Class<?> main, String... args) {
        List<String> c = new ArrayList<>(List.of(JAVA.toString(), "--enable-native-access=ALL-UNNAMED", "-Xmx256m"));
        if (agentArgs != null) {
            c.add("-javaagent:" + agentJar() + (agentArgs.isEmpty() ? "" : "=" + agentArgs));
        }
        c.addAll(jvmArgs);
        c.addAll(List.of("-cp", testClasses().toString(), main.getName()));
        c.addAll(List.of(args));
        return c;
    }
}
