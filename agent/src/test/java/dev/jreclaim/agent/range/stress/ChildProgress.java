package dev.jreclaim.agent.range.stress;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Reads a stress child's standard output on its own thread: keeps every line, the figures of the last
 * {@code progress} and {@code summary} lines ({@code key=value} words), and when the figures last moved.
 */
final class ChildProgress {
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final Thread reader;
    private volatile Map<String, Long> lastProgress = Map.of();
    private volatile Map<String, Long> summary;
    private volatile long lastAdvanceNanos = System.nanoTime();

    ChildProgress(InputStream stdout) {
        reader = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(stdout, StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null;) {
                    accept(l);
                }
            } catch (IOException e) {
                lines.add("(reading the child's output failed: " + e + ")");
            }
        }, "child-stdout");
        reader.setDaemon(true);
        reader.start();
    }

    private void accept(String line) {
        lines.add(line);
        if (line.startsWith("progress ")) {
            Map<String, Long> now = figures(line);
            if (!now.equals(lastProgress) && (moved(now, "faults") || moved(now, "verified"))) {
                lastAdvanceNanos = System.nanoTime();
            }
            lastProgress = now;
        } else if (line.startsWith("summary ")) {
            summary = figures(line);
            lastAdvanceNanos = System.nanoTime();
        }
    }

    private boolean moved(Map<String, Long> now, String key) {
        return now.getOrDefault(key, 0L) > lastProgress.getOrDefault(key, 0L);
    }

    static Map<String, Long> figures(String line) {
        Map<String, Long> m = new HashMap<>();
        for (String word : line.split("\\s+")) {
            int eq = word.indexOf('=');
            if (eq > 0) {
                try {
                    m.put(word.substring(0, eq), Long.parseLong(word.substring(eq + 1)));
                } catch (NumberFormatException notAFigure) {
                    // keep the others
                }
            }
        }
        return m;
    }

    /** Nanoseconds since faults served or bytes verified last grew. */
    long nanosSinceAdvance() {
        return System.nanoTime() - lastAdvanceNanos;
    }

    /** The figures of the summary line, or null if the child printed none. */
    Map<String, Long> summary() {
        return summary;
    }

    Map<String, Long> lastProgress() {
        return lastProgress;
    }

    /** Waits (bounded) for the end of the output after the child has exited. */
    void awaitEnd() throws InterruptedException {
        reader.join(10_000);
    }

    String tail(int n) {
        List<String> all = List.copyOf(lines);
        return String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    }
}
