package dev.jreclaim.agent.config;

/**
 * A value that does not parse. The message is the part of a {@link ConfigProblem} line after the
 * value: what is wrong and what is allowed, e.g. {@code not a size; use bytes or ... (e.g. 64KiB)}.
 */
public final class InvalidValueException extends Exception {
    public InvalidValueException(String message) {
        super(message, null, false, false);
    }
}
