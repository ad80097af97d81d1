package dev.jreclaim.agent.rules;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jreclaim.agent.config.ConfigLoader;
import dev.jreclaim.agent.config.LoadedConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which guards a start installs (RuleSet.needsPins, readsFiles): the native-io guards only where a pin can guard
 * something, which must agree with ReclaimRuntime.pin (NativeAccessGuardIT and UserModeOnlyGuardIT prove the pins
 * themselves; AgentAttachIT and AgentRulesIT the start-up lines).
 */
class RuleSetGuardsTest {
    @TempDir
    Path dir;

    RuleSet rules(String onPurge, boolean kernelAccessServed) throws IOException {
        Path f = Files.writeString(dir.resolve("rules.properties"), onPurge == null ? "" : """
                jreclaim.rule.r.kind=direct
                jreclaim.rule.r.site=com.acme.Cache#load
                jreclaim.rule.r.on-purge=%s
                """.formatted(onPurge));
        LoadedConfig c = ConfigLoader.load("config=" + f, Map.of(), Map.of());
        assertEquals(List.of(), c.lines());
        return RuleSet.of(c.config().rules(), true, kernelAccessServed);
    }

    @Test
    void aFullUserfaultfdServingRebuildingRangesNeedsNoPin() throws IOException {
        for (String p : List.of("rebuild:snapshot", "zero", "rebuild:snapshot,zero", "rebuild:file,zero",
                "rebuild:file,rebuild:snapshot,zero")) {
            assertFalse(rules(p, true).needsPins(true), p);
        }
        assertFalse(rules(null, true).needsPins(true), "no rule");
        assertFalse(rules(null, false).needsPins(false), "no rule, user-mode-only");
    }

    @Test
    void userModeOnlyOrThrowNeedsPins() throws IOException {
        assertTrue(rules("rebuild:snapshot", false).needsPins(false), "user-mode-only: the kernel's access is not served");
        assertTrue(rules("throw", true).needsPins(true), "POISON");
        assertTrue(rules("rebuild:file,throw", true).needsPins(true), "rebuild:file,throw loses pages");
        assertFalse(rules("rebuild:snapshot,throw", true).needsPins(true),
                "rebuild:snapshot,throw: a chunk without a snapshot stays ordinary memory, nothing is lost");
    }

    @Test
    void fileReadsOnlyForRebuildFile() throws IOException {
        assertTrue(rules("rebuild:file,zero", true).readsFiles());
        assertFalse(rules("rebuild:snapshot", true).readsFiles());
        assertFalse(rules(null, true).readsFiles());
    }
}
