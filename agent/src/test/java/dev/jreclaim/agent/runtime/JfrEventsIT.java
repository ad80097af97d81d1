package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordingFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The jreclaim JFR events, from the agent's boot-class-path classes, in a recording the child JVM writes
 * at exit: exactly the mark, purge, rebuild and lock that {@link JfrEventsChild} caused.
 */
class JfrEventsIT {
    static final int PAGES = JfrEventsChild.SIZE / 4096;
    /** The samplers' period in the test's settings, and how long the child waits for them (several periods). */
    static final String PERIOD = "100 ms";
    static final String SETTLE_MILLIS = "700";

    static final String SETTINGS = """
            <?xml version="1.0" encoding="UTF-8"?>
            <configuration version="2.0" label="jreclaim test">
              <event name="jreclaim.RangeMarked"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
              <event name="jreclaim.RangeLocked"><setting name="enabled">true</setting><setting name="threshold">0 ms</setting></event>
              <event name="jreclaim.FaultBatch"><setting name="enabled">true</setting><setting name="period">%1$s</setting></event>
              <event name="jreclaim.PurgeDetected"><setting name="enabled">true</setting><setting name="period">%1$s</setting></event>
              <event name="jreclaim.RebuildFailed"><setting name="enabled">true</setting><setting name="period">%1$s</setting></event>
            </configuration>
            """.formatted(PERIOD);

    @Test
    void theRecordingHoldsExactlyWhatTheChildDid(@TempDir Path dir) throws Exception {
        Path settings = Files.writeString(dir.resolve("jreclaim-test.jfc"), SETTINGS);
        Path recording = dir.resolve("child.jfr");
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(
                ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("rebuild:snapshot")),
                List.of("-XX:StartFlightRecording:filename=" + recording + ",settings=" + settings + ",dumponexit=true"),
                JfrEventsChild.class, SETTLE_MILLIS));
        assertEquals(0, r.exit(), r.toString());
        List<String> out = r.out().stream().filter(l -> !l.startsWith("[")).toList(); // without JFR's start-up lines
        assertEquals("range", out.getFirst().split(" ")[0], r.toString());
        assertEquals(List.of("event classes' loader: null", // the boot loader: the agent jar is on the boot class path
                "resident after purge 0", "lock INTACT", "pages restored " + PAGES + ", wrong bytes 0"),
                out.subList(1, 5), r.toString());
        long rangeId = Long.parseLong(out.getFirst().split(" ")[1]);

        List<RecordedEvent> events = RecordingFile.readAllEvents(recording).stream()
                .filter(e -> e.getEventType().getName().startsWith("jreclaim.")).toList();
        String all = events.toString();
        System.out.println("jreclaim events: " + events.stream().collect(java.util.stream.Collectors.groupingBy(
                e -> e.getEventType().getName(), java.util.TreeMap::new, java.util.stream.Collectors.counting())));

        List<RecordedEvent> marked = named(events, "jreclaim.RangeMarked");
        assertEquals(1, marked.size(), all);
        assertEquals(rangeId, marked.getFirst().getLong("rangeId"));
        assertEquals(JfrEventsChild.SIZE, marked.getFirst().getLong("bytes"));
        assertEquals("SNAPSHOT", marked.getFirst().getString("source"));
        assertEquals(List.of("jreclaim"), marked.getFirst().getEventType().getCategoryNames());

        List<RecordedEvent> locked = named(events, "jreclaim.RangeLocked");
        assertEquals(1, locked.size(), all);
        assertEquals(rangeId, locked.getFirst().getLong("rangeId"));
        assertEquals("INTACT", locked.getFirst().getString("result"));

        assertEquals(JfrEventsChild.SIZE, sum(named(events, "jreclaim.PurgeDetected"), "bytes"), all);
        List<RecordedEvent> batches = named(events, "jreclaim.FaultBatch");
        assertTrue(batches.stream().allMatch(e -> e.getString("source").equals("SNAPSHOT")), all);
        assertEquals(PAGES, sum(batches, "pages"), all);
        assertEquals(JfrEventsChild.SIZE, sum(batches, "bytes"), all);
        assertTrue(sum(batches, "faults") > 0, all);
        assertTrue(batches.stream().allMatch(e -> e.getDuration("serviceTime").toNanos() >= 0), all);
        assertEquals(List.of(), named(events, "jreclaim.RebuildFailed"), all);

        assertTrue(jfrPrint(recording).contains("jreclaim.RangeMarked {"), "jfr print --events jreclaim.* shows them");
    }

    static List<RecordedEvent> named(List<RecordedEvent> events, String name) {
        return events.stream().filter(e -> e.getEventType().getName().equals(name)).toList();
    }

    static long sum(List<RecordedEvent> events, String field) {
        return events.stream().mapToLong(e -> e.getLong(field)).sum();
    }

    static String jfrPrint(Path recording) throws Exception {
        Path jfr = ChildJvm.JAVA.resolveSibling("jfr");
        Process p = new ProcessBuilder(jfr.toString(), "print", "--events", "jreclaim.*", recording.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        return out;
    }
}
