package dev.jreclaim.agent.config;

import dev.jreclaim.agent.linux.NativeConstants;
import java.util.Locale;

/**
 * Where SNAPSHOT chunks' LZ4 blocks go ({@code jreclaim.snapshot.spill}): memory only, the spill file once the
 * snapshots in memory would pass {@code jreclaim.snapshot.max-memory}, or the spill file always
 * (docs/fault-path.md, "Spilling snapshots to a file").
 */
public enum SpillMode {
    OFF("off", NativeConstants.JR_SPILL_OFF),
    OVER_LIMIT("over-limit", NativeConstants.JR_SPILL_OVER_BUDGET),
    ALWAYS("always", NativeConstants.JR_SPILL_ALWAYS);

    static final String ALLOWED = "use over-limit, always or off";
    private final String token;
    private final int code;

    SpillMode(String token, int code) {
        this.token = token;
        this.code = code;
    }

    public static SpillMode parse(String text) throws InvalidValueException {
        for (SpillMode m : values()) {
            if (m.token.equals(text.toLowerCase(Locale.ROOT))) {
                return m;
            }
        }
        throw new InvalidValueException("not a spill mode; " + ALLOWED);
    }

    public String token() {
        return token;
    }

    /** The library's JR_SPILL_* value. */
    public int code() {
        return code;
    }
}
