package dev.jreclaim.agent.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** docs/configuration.md stays true: its example file loads cleanly and every key is documented. */
class ConfigurationDocTest {
    static final Path DOC = Path.of("..", "docs", "configuration.md");

    @TempDir
    Path dir;

    @Test
    void completeExampleLoadsWithoutProblems() throws IOException {
        String doc = Files.readString(DOC);
        int start = doc.indexOf("```properties\n");
        assertTrue(start >= 0, "no properties example in " + DOC);
        start += "```properties\n".length();
        Path f = dir.resolve("example.properties");
        Files.writeString(f, doc.substring(start, doc.indexOf("```", start)));
        LoadedConfig c = ConfigLoader.load("config=" + f, Map.of(), Map.of());
        assertEquals(List.of(), c.lines());
        assertTrue(c.active());
        assertEquals(List.of("cache", "tables", "scratch"), c.config().rules().stream().map(SiteRule::id).toList());
    }

    @Test
    void everyKeyIsDocumented() throws IOException {
        String doc = Files.readString(DOC);
        for (String key : ConfigKeys.GLOBAL) {
            assertTrue(doc.contains("| `" + key + "` |"), key);
        }
        assertTrue(doc.contains("| `" + ConfigKeys.CONFIG + "` |"));
        for (String p : ConfigKeys.RULE_PROPERTIES) {
            assertTrue(doc.contains("| `jreclaim.rule.<id>." + p + "` |"), p);
        }
    }
}
