package dev.jreclaim.agent.config;

/** Where a setting came from; a problem line names the key the way the user wrote it there. */
public enum Origin {
    /** The properties file, or nowhere (a required key that is not set). */
    FILE,
    /** {@code -Djreclaim.…}: rendered with its {@code -D}. */
    SYSTEM_PROPERTY,
    /** {@code JRECLAIM_…}: the key is the variable's name. */
    ENVIRONMENT,
    /** {@code -javaagent:jreclaim-agent.jar=<options>}. */
    AGENT_OPTIONS
}
