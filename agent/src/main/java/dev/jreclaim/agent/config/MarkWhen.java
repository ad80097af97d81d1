package dev.jreclaim.agent.config;

import java.util.Locale;

/**
 * Whether a rule's buffers are marked as soon as their mark mode allows, or only once memory is short
 * ({@code jreclaim.rule.<id>.mark-when}, docs/configuration.md). A mark costs an LZ4 snapshot, MADV_FREE and
 * write-protect, and the first read of a marked page after it sets the page's accessed bit again: paid for nothing
 * while memory is plentiful.
 */
public enum MarkWhen {
    /** As soon as the mark mode allows (on return, once idle). */
    ALWAYS,
    /**
     * Once the headroom ({@code jreclaim.pressure.headroom}) is gone: until then a buffer stays ordinary memory (no
     * snapshot, no MADV_FREE, no write-protect) and waits, deferred; nothing is un-marked when pressure goes away.
     */
    PRESSURE;

    static final String ALLOWED = "use always or pressure";

    static MarkWhen parse(String text) throws InvalidValueException {
        return switch (text.toLowerCase(Locale.ROOT)) {
            case "always" -> ALWAYS;
            case "pressure" -> PRESSURE;
            default -> throw new InvalidValueException("not a mark-when value; " + ALLOWED);
        };
    }

    public String token() {
        return name().toLowerCase(Locale.ROOT);
    }
}
