package dev.jreclaim.agent.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Java twins of jreclaim.h's constants are checked against the library's own table when it loads. */
class NativeConstantsTest {

    @Test
    void theBuiltLibraryAgreesWithJava() {
        NativeLibrary.ensureLoaded(); // throws on any mismatch
        Map<String, Long> exported = NativeConstants.exported(NativeLibrary.lookup());
        assertEquals(List.of(), NativeConstants.mismatches(NativeConstants.expected(), exported));
        assertEquals(NativeConstants.JR_VERSION, NativeLibrary.version());
        assertTrue(exported.size() >= 40, "the library exports every constant of its header: " + exported.keySet());
    }

    @Test
    void aValueThatDiffersIsCaughtAndNamed() {
        Map<String, Long> exported = new LinkedHashMap<>(NativeConstants.exported(NativeLibrary.lookup()));
        exported.put("JR_SOURCE_FILE", 7L); // a header edited without its Java twin
        List<String> m = NativeConstants.mismatches(NativeConstants.expected(), exported);
        assertEquals(List.of("JR_SOURCE_FILE is 7 in the library but 3 in Java"), m);
    }

    @Test
    void aConstantOnlyOneSideHasIsCaught() {
        Map<String, Long> exported = new LinkedHashMap<>(NativeConstants.exported(NativeLibrary.lookup()));
        exported.remove("JR_RS_RESIDENT_PAGES");
        exported.put("JR_C_NEW_COUNTER", 99L);
        List<String> m = NativeConstants.mismatches(NativeConstants.expected(), exported);
        assertEquals(List.of("JR_RS_RESIDENT_PAGES is not exported by the library",
                "JR_C_NEW_COUNTER has no Java twin in NativeConstants"), m);
    }

    @Test
    void aMismatchRefusesTheLibraryWithOneMessage() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> NativeConstants.failIfMismatched(Map.of("JR_VERSION", 1L), Map.of("JR_VERSION", 2L)));
        assertEquals("libjreclaim.so does not match the agent's Java side (built from another jreclaim.h):"
                + " JR_VERSION is 2 in the library but 1 in Java", e.getMessage());
    }
}
