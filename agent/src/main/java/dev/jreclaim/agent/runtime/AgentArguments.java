package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.range.RebuildSource;
import java.util.Locale;

/**
 * TEMPORARY, until the configuration package lands: the agent's argument string,
 * {@code -javaagent:jreclaim-agent.jar=min-size=65536,source=SNAPSHOT}. No argument: no rule.
 */
final class AgentArguments {
    private AgentArguments() {}

    /** @throws IllegalArgumentException naming the offending option */
    static AllocationPolicy policy(String args) {
        if (args == null || args.isBlank()) {
            return AllocationPolicy.NONE;
        }
        Long minSize = null;
        RebuildSource source = RebuildSource.SNAPSHOT;
        for (String option : args.split(",")) {
            int eq = option.indexOf('=');
            String key = eq < 0 ? option.strip() : option.substring(0, eq).strip();
            String value = eq < 0 ? "" : option.substring(eq + 1).strip();
            switch (key) {
                case "min-size" -> {
                    try {
                        minSize = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException("min-size must be a number of bytes, got '" + value + "'");
                    }
                }
                case "source" -> {
                    try {
                        source = RebuildSource.valueOf(value.toUpperCase(Locale.ROOT));
                    } catch (IllegalArgumentException e) {
                        throw new IllegalArgumentException("source must be ZERO, SNAPSHOT or POISON, got '" + value + "'");
                    }
                }
                default -> throw new IllegalArgumentException("unknown agent option '" + option
                        + "' (known for now: min-size=BYTES, source=ZERO|SNAPSHOT|POISON)");
            }
        }
        if (minSize == null) {
            throw new IllegalArgumentException("agent options '" + args + "' need min-size=BYTES");
        }
        return new MinSizePolicy(minSize, source);
    }
}
