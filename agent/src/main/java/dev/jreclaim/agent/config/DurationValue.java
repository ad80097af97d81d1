package dev.jreclaim.agent.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations: a whole number followed by ms, s, m or h (case-insensitive), with no space. */
public final class DurationValue {
    private static final Pattern DURATION = Pattern.compile("(-?[0-9]+)([A-Za-z]+)");

    private DurationValue() {}

    /** A duration greater than zero; {@code example} completes the hint, e.g. {@code idle:30s}. */
    public static Duration parsePositive(String text, String example) throws InvalidValueException {
        String allowed = "use a whole number with ms, s, m or h (e.g. " + example + ")";
        Matcher m = DURATION.matcher(text);
        if (!m.matches()) {
            throw new InvalidValueException("not a duration; " + allowed);
        }
        Duration d;
        try {
            long n = Long.parseLong(m.group(1));
            d = switch (m.group(2).toLowerCase(Locale.ROOT)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> throw new InvalidValueException("not a duration; " + allowed);
            };
        } catch (NumberFormatException | ArithmeticException e) {
            throw new InvalidValueException("too large a duration; " + allowed);
        }
        if (d.isNegative() || d.isZero()) {
            throw new InvalidValueException("zero or negative duration; " + allowed);
        }
        return d;
    }

    /** The shortest exact spelling: 30000ms -> 30s. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return ms + "ms";
    }
}
