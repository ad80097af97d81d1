package dev.jreclaim.agent.config;

import java.util.Locale;

/** Threshold of the agent's own log ({@code jreclaim.log.level}); OFF silences it. */
public enum LogLevel {
    TRACE, DEBUG, INFO, WARN, ERROR, OFF;

    static final String ALLOWED = "use TRACE, DEBUG, INFO, WARN, ERROR or OFF";

    public static LogLevel parse(String text) throws InvalidValueException {
        for (LogLevel l : values()) {
            if (l.name().equals(text.toUpperCase(Locale.ROOT))) {
                return l;
            }
        }
        throw new InvalidValueException("not a log level; " + ALLOWED);
    }

    /** Whether a message at {@code level} is written when this is the threshold. */
    public boolean logs(LogLevel level) {
        return level != OFF && level.ordinal() >= ordinal();
    }
}
