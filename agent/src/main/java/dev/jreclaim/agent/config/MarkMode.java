package dev.jreclaim.agent.config;

import java.time.Duration;
import java.util.Locale;

/** When a rule's buffers become reclaimable ({@code jreclaim.rule.<id>.mark}). */
public sealed interface MarkMode {
    String ALLOWED = "use on-return, explicit or idle:<duration> (e.g. idle:30s)";

    /** When the outermost matched site method returns (normally or by an exception). */
    record OnReturn() implements MarkMode {
        @Override
        public String toString() {
            return "on-return";
        }
    }

    /** When the buffer has not been locked or written through the agent for this long. */
    record Idle(Duration after) implements MarkMode {
        public Idle {
            if (after.isNegative() || after.isZero()) {
                throw new IllegalArgumentException("idle time must be positive: " + after);
            }
        }

        @Override
        public String toString() {
            return "idle:" + DurationValue.format(after);
        }
    }

    /** Only when the application calls the jreclaim API. */
    record Explicit() implements MarkMode {
        @Override
        public String toString() {
            return "explicit";
        }
    }

    static MarkMode parse(String text) throws InvalidValueException {
        String lower = text.toLowerCase(Locale.ROOT);
        if (lower.equals("on-return")) {
            return new OnReturn();
        }
        if (lower.equals("explicit")) {
            return new Explicit();
        }
        if (lower.equals("idle") || lower.equals("idle:")) {
            throw new InvalidValueException("idle needs a time; write idle:<duration> (e.g. idle:30s)");
        }
        if (lower.startsWith("idle:")) {
            return new Idle(DurationValue.parsePositive(text.substring(5), "idle:30s"));
        }
        throw new InvalidValueException("not a mark mode; " + ALLOWED);
    }
}
