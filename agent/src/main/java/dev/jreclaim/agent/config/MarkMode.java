package dev.jreclaim.agent.config;

import java.time.Duration;
import java.util.Locale;

/** When a rule's buffers become reclaimable ({@code jreclaim.rule.<id>.mark}). */
public sealed interface MarkMode {
    String ALLOWED = "use on-return, explicit or idle:<duration> (e.g. idle:30s)";

    /**
     * When the outermost call of the rule's site methods on the allocating thread returns normally. When an
     * exception leaves it, its buffers are not marked and stay ordinary memory: a half-filled buffer is never
     * made reclaimable.
     */
    record OnReturn() implements MarkMode {
        @Override
        public String toString() {
            return "on-return";
        }
    }

    /**
     * When the buffer has not been written for this long, as far as the agent can tell by sampling its content
     * and the fault service's figures (docs/agent.md, "Mark modes"). A wrong guess costs memory, never data.
     */
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

    /**
     * Never by the agent. Meant for an application API that marks and locks, which does not exist yet: until
     * it lands, such a rule's ranges stay LOCKED, plain memory in effect (tests mark them through
     * {@code ReclaimRuntime.rangeAt}). The value is valid, so configurations written for that API load today.
     */
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
