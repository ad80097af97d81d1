package dev.jreclaim.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.jreclaim.instrumentation.api.AllocationKind;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The grammar of each value type, good and bad, with the exact message a bad one gets. */
class ValueSyntaxTest {

    static String error(Executable e) {
        return assertThrows(InvalidValueException.class, e::run).getMessage();
    }

    interface Executable {
        void run() throws Exception;
    }

    @ParameterizedTest
    @CsvSource({
        "0, 0", "65536, 65536", "64K, 65536", "64k, 65536", "64KiB, 65536", "64kib, 65536", "64KIB, 65536",
        "1M, 1048576", "1MiB, 1048576", "1m, 1048576", "1G, 1073741824", "1GiB, 1073741824", "007, 7",
        "8589934591GiB, 9223372035781033984", "9223372036854775807, 9223372036854775807"
    })
    void sizes(String text, long bytes) throws Exception {
        assertEquals(bytes, ByteSize.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "64 KB", "64 KiB", "KiB", "64X", "64B", "64TiB", "+64", "0x40", "64KiBs", "1e6", " "})
    void notSizes(String text) {
        assertEquals("not a size; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB)", error(() -> ByteSize.parse(text)));
    }

    @Test
    void negativeSize() {
        assertEquals("negative size; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB)", error(() -> ByteSize.parse("-1")));
        assertEquals("negative size; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB)", error(() -> ByteSize.parse("-64KiB")));
    }

    @Test
    void fractionalSizeSuggestsASmallerUnit() {
        assertEquals("not a whole number; use a smaller unit (e.g. 1536KiB)", error(() -> ByteSize.parse("1.5MiB")));
        assertEquals("not a whole number; use a smaller unit (e.g. 512)", error(() -> ByteSize.parse("0.5K")));
        assertEquals("not a whole number; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB)",
                error(() -> ByteSize.parse("1.3K")));
        assertEquals("not a whole number; use bytes or a number with KiB, MiB or GiB (e.g. 64KiB)",
                error(() -> ByteSize.parse("1.5")));
    }

    @Test
    void siUnitsAreAmbiguous() {
        assertEquals("not a size: KB is ambiguous (1000 or 1024?); use KiB (1024) instead", error(() -> ByteSize.parse("64KB")));
        assertEquals("not a size: mb is ambiguous (1000 or 1024?); use MiB (1024) instead", error(() -> ByteSize.parse("1mb")));
    }

    @Test
    void sizeOverflow() {
        assertEquals("too large; the largest size is 9223372036854775807 bytes", error(() -> ByteSize.parse("8589934592GiB")));
        assertEquals("too large; the largest size is 9223372036854775807 bytes", error(() -> ByteSize.parse("9223372036854775808")));
        assertEquals("too large; the largest size is 9223372036854775807 bytes",
                error(() -> ByteSize.parse("99999999999999999999999999K")));
    }

    @Test
    void sizeFormat() {
        assertEquals("64KiB", ByteSize.format(65536));
        assertEquals("1536KiB", ByteSize.format(1536 * 1024));
        assertEquals("1GiB", ByteSize.format(1L << 30));
        assertEquals("1000", ByteSize.format(1000));
        assertEquals("0", ByteSize.format(0));
    }

    @ParameterizedTest
    @CsvSource({"500ms, PT0.5S", "30s, PT30S", "5m, PT5M", "1h, PT1H", "30S, PT30S", "1MS, PT0.001S", "90m, PT1H30M"})
    void durations(String text, Duration expected) throws Exception {
        assertEquals(expected, DurationValue.parsePositive(text, "idle:30s"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"30", "s", "", "1.5s", "30 s", "30sec", "1d", "+5s", "PT30S"})
    void notDurations(String text) {
        assertEquals("not a duration; use a whole number with ms, s, m or h (e.g. idle:30s)",
                error(() -> DurationValue.parsePositive(text, "idle:30s")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"0s", "0ms", "-5s", "-1h"})
    void durationsMustBePositive(String text) {
        assertEquals("zero or negative duration; use a whole number with ms, s, m or h (e.g. idle:30s)",
                error(() -> DurationValue.parsePositive(text, "idle:30s")));
    }

    @Test
    void durationOverflow() {
        assertEquals("too large a duration; use a whole number with ms, s, m or h (e.g. idle:30s)",
                error(() -> DurationValue.parsePositive("9223372036854775807h", "idle:30s")));
        assertEquals("too large a duration; use a whole number with ms, s, m or h (e.g. idle:30s)",
                error(() -> DurationValue.parsePositive("99999999999999999999s", "idle:30s")));
    }

    @Test
    void marks() throws Exception {
        assertEquals(new MarkMode.OnReturn(), MarkMode.parse("on-return"));
        assertEquals(new MarkMode.OnReturn(), MarkMode.parse("ON-RETURN"));
        assertEquals(new MarkMode.Explicit(), MarkMode.parse("explicit"));
        assertEquals(new MarkMode.Idle(Duration.ofSeconds(30)), MarkMode.parse("idle:30s"));
        assertEquals(new MarkMode.Idle(Duration.ofMillis(500)), MarkMode.parse("idle:500ms"));
        assertEquals("idle:90m", MarkMode.parse("idle:5400s").toString());
        assertEquals("on-return", MarkMode.parse("on-return").toString());
    }

    @Test
    void badMarks() {
        assertEquals("not a mark mode; use on-return, explicit or idle:<duration> (e.g. idle:30s)", error(() -> MarkMode.parse("onreturn")));
        assertEquals("not a mark mode; use on-return, explicit or idle:<duration> (e.g. idle:30s)", error(() -> MarkMode.parse("idle 30s")));
        assertEquals("idle needs a time; write idle:<duration> (e.g. idle:30s)", error(() -> MarkMode.parse("idle")));
        assertEquals("idle needs a time; write idle:<duration> (e.g. idle:30s)", error(() -> MarkMode.parse("idle:")));
        assertEquals("zero or negative duration; use a whole number with ms, s, m or h (e.g. idle:30s)",
                error(() -> MarkMode.parse("idle:0s")));
        assertEquals("not a duration; use a whole number with ms, s, m or h (e.g. idle:30s)", error(() -> MarkMode.parse("idle:30")));
    }

    @Test
    void kinds() throws Exception {
        assertEquals(RuleKind.DIRECT, RuleKind.parse("direct"));
        assertEquals(RuleKind.ARENA, RuleKind.parse("Arena"));
        assertEquals(RuleKind.ANY, RuleKind.parse("ANY"));
        assertEquals("not a kind; use direct, arena or any", error(() -> RuleKind.parse("heap")));
        for (AllocationKind k : AllocationKind.values()) {
            assertEquals(true, RuleKind.ANY.covers(k));
            assertEquals(k == AllocationKind.DIRECT, RuleKind.DIRECT.covers(k));
            assertEquals(k == AllocationKind.ARENA, RuleKind.ARENA.covers(k));
        }
    }

    @Test
    void purgeLists() throws Exception {
        assertEquals(List.of(PurgePolicy.REBUILD_SNAPSHOT, PurgePolicy.ZERO), PurgePolicy.parseList("rebuild:snapshot,zero"));
        assertEquals(List.of(PurgePolicy.REBUILD_FILE, PurgePolicy.REBUILD_SNAPSHOT, PurgePolicy.REBUILD_APP, PurgePolicy.THROW),
                PurgePolicy.parseList("rebuild:file, rebuild:snapshot , rebuild:app,throw"));
        assertEquals(List.of(PurgePolicy.ZERO), PurgePolicy.parseList("zero"));
        assertEquals(List.of(PurgePolicy.REBUILD_APP), PurgePolicy.parseList("REBUILD:APP"));
    }

    @Test
    void badPurgeLists() {
        String allowed = "use rebuild:snapshot, rebuild:file, rebuild:app, zero or throw";
        assertEquals("empty list; " + allowed, error(() -> PurgePolicy.parseList("")));
        assertEquals("empty entry in the list; separate policies with single commas", error(() -> PurgePolicy.parseList("zero,")));
        assertEquals("empty entry in the list; separate policies with single commas",
                error(() -> PurgePolicy.parseList("rebuild:snapshot,,zero")));
        assertEquals("unknown policy 'rebuild'; " + allowed, error(() -> PurgePolicy.parseList("rebuild")));
        assertEquals("unknown policy 'rebuild:snapshots'; " + allowed + " (did you mean rebuild:snapshot?)",
                error(() -> PurgePolicy.parseList("rebuild:snapshots")));
        assertEquals("'zero' appears twice", error(() -> PurgePolicy.parseList("zero,zero")));
        assertEquals("'rebuild:file' appears twice", error(() -> PurgePolicy.parseList("rebuild:file,rebuild:snapshot,rebuild:file")));
        assertEquals("'rebuild:snapshot' after 'zero' can never run; zero and throw must be last",
                error(() -> PurgePolicy.parseList("zero,rebuild:snapshot")));
        assertEquals("'zero' after 'throw' can never run; zero and throw must be last",
                error(() -> PurgePolicy.parseList("throw,zero")));
    }

    @Test
    void logLevelsAndModes() throws Exception {
        assertEquals(LogLevel.DEBUG, LogLevel.parse("debug"));
        assertEquals(LogLevel.OFF, LogLevel.parse("OFF"));
        assertEquals("not a log level; use TRACE, DEBUG, INFO, WARN, ERROR or OFF", error(() -> LogLevel.parse("WARNING")));
        assertEquals(true, LogLevel.INFO.logs(LogLevel.WARN));
        assertEquals(false, LogLevel.INFO.logs(LogLevel.DEBUG));
        assertEquals(false, LogLevel.OFF.logs(LogLevel.ERROR));
        assertEquals(UffdMode.USER_MODE_ONLY, UffdMode.parse("user-mode-only"));
        assertEquals(UffdMode.AUTO, UffdMode.parse("Auto"));
        assertEquals("not a userfaultfd mode; use auto, syscall, device or user-mode-only", error(() -> UffdMode.parse("full")));
    }

    @Test
    void capacityAndChunk() throws Exception {
        assertEquals(1, ConfigLoader.parseCapacity("1"));
        assertEquals(16777216, ConfigLoader.parseCapacity("16777216"));
        assertEquals("out of range; use a whole number from 1 to 16777216", error(() -> ConfigLoader.parseCapacity("0")));
        assertEquals("out of range; use a whole number from 1 to 16777216", error(() -> ConfigLoader.parseCapacity("16777217")));
        assertEquals("out of range; use a whole number from 1 to 16777216",
                error(() -> ConfigLoader.parseCapacity("99999999999999999999999")));
        assertEquals("not a whole number; use a whole number from 1 to 16777216", error(() -> ConfigLoader.parseCapacity("256K")));
        assertEquals("not a whole number; use a whole number from 1 to 16777216", error(() -> ConfigLoader.parseCapacity("-1")));
        assertEquals(4096, ConfigLoader.parseChunk("4KiB"));
        assertEquals(16L << 20, ConfigLoader.parseChunk("16MiB"));
        assertEquals(12288, ConfigLoader.parseChunk("12K"));
        assertEquals("out of range; use 4KiB to 16MiB", error(() -> ConfigLoader.parseChunk("2KiB")));
        assertEquals("out of range; use 4KiB to 16MiB", error(() -> ConfigLoader.parseChunk("32MiB")));
        assertEquals("not a multiple of the page size (4KiB); use e.g. 64KiB", error(() -> ConfigLoader.parseChunk("65537")));
    }

    private static AgentConfig chunk(long bytes) {
        return new AgentConfig(true, LogLevel.INFO, UffdMode.AUTO, 1, bytes, false, List.of());
    }

    @Test
    void chunkInTheKernelsPages() {
        AgentConfig small = chunk(4096);
        assertEquals(1, small.snapshotChunkPages(4096));
        assertThrows(IllegalArgumentException.class, () -> small.snapshotChunkPages(16384), "less than a 16 KiB page");
        AgentConfig largest = chunk(AgentConfig.MAX_CHUNK);
        assertEquals(AgentConfig.MAX_CHUNK_PAGES, largest.snapshotChunkPages(4096));
        assertEquals(AgentConfig.MAX_CHUNK_PAGES / 16, largest.snapshotChunkPages(64 << 10));
        assertThrows(IllegalArgumentException.class, () -> largest.snapshotChunkPages(2048), "more pages than the library takes");
    }

    @Test
    void envNames() {
        assertEquals("JRECLAIM_RULE_CACHE_MIN_SIZE", ConfigKeys.envName("jreclaim.rule.cache.min-size"));
        assertEquals("JRECLAIM_LOG_LEVEL", ConfigKeys.envName("jreclaim.log.level"));
        assertEquals("JRECLAIM_RULE_MY_CACHE_ON_PURGE", ConfigKeys.envName("jreclaim.rule.my-cache.on-purge"));
    }
}
