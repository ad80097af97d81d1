package dev.jreclaim.agent.cli;

/** A command cannot do its job; the message is the one line the user sees. */
final class CliError extends Exception {
    CliError(String message) {
        super(message);
    }
}
