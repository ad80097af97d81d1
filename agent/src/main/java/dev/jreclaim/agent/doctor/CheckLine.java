package dev.jreclaim.agent.doctor;

/**
 * One line of {@code doctor} output, {@code doctor: <name>: <value>}: one fact per line, so that
 * scripts and support requests can grep for a name.
 */
public record CheckLine(String name, String value) {
    public static final String PREFIX = "doctor: ";

    @Override
    public String toString() {
        return PREFIX + name + ": " + value;
    }
}
