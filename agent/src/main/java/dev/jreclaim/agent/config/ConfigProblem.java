package dev.jreclaim.agent.config;

import java.util.Objects;

/**
 * One bad setting, rendered by {@link #line()} as one line naming the key, the value, what is
 * allowed and the consequence:
 * {@code jreclaim: jreclaim.rule.cache.min-size=64 KB: not a size; use ... (e.g. 64KiB); rule 'cache' disabled}.
 *
 * @param key     the key as written at its origin (an environment variable's name for ENVIRONMENT);
 *                null for agent options that could not be split into keys
 * @param value   the value, or null when a required key is not set
 * @param message what is wrong and what is allowed
 * @param ruleId  the rule disabled, for scope RULE; null for AGENT
 */
public record ConfigProblem(String key, Origin origin, String value, String message, Scope scope, String ruleId) {

    /** What a problem switches off. */
    public enum Scope {
        /** The whole agent: a global key, the file, or the agent options. */
        AGENT,
        /** One rule; the others and the agent keep working. */
        RULE
    }

    public ConfigProblem {
        Objects.requireNonNull(origin);
        Objects.requireNonNull(message);
        Objects.requireNonNull(scope);
        if ((scope == Scope.RULE) != (ruleId != null)) {
            throw new IllegalArgumentException("a rule id goes with scope RULE and only with it");
        }
    }

    static ConfigProblem agent(String key, Origin origin, String value, String message) {
        return new ConfigProblem(key, origin, value, message, Scope.AGENT, null);
    }

    static ConfigProblem rule(String ruleId, String key, Origin origin, String value, String message) {
        return new ConfigProblem(key, origin, value, message, Scope.RULE, ruleId);
    }

    public String line() {
        String where;
        if (key == null) {
            where = "agent options '" + escape(value) + "'";
        } else {
            String shown = switch (origin) {
                case SYSTEM_PROPERTY -> "-D" + key;
                case AGENT_OPTIONS -> "agent option " + key;
                case FILE, ENVIRONMENT -> key;
            };
            where = escape(shown) + (value == null ? " (not set)" : "=" + escape(value));
        }
        String consequence = scope == Scope.AGENT ? "agent disabled" : "rule '" + escape(ruleId) + "' disabled";
        return "jreclaim: " + where + ": " + message + "; " + consequence;
    }

    /** The most characters of one key or value a line shows: any longer is cut, with its length. */
    static final int SHOWN = 160;

    /**
     * Keeps a line one line: control characters (a value may hold \n via a properties escape) become escapes;
     * and short: beyond {@link #SHOWN} characters the rest is left out, so that a file that is no jreclaim
     * file is never echoed whole.
     */
    static String escape(String s) {
        int shown = Math.min(s.length(), SHOWN);
        StringBuilder b = new StringBuilder(shown + 24);
        for (int i = 0; i < shown; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return shown < s.length() ? b.append("… (").append(s.length()).append(" characters)").toString() : b.toString();
    }

    /** A character for a message: {@code ' '}, {@code '\t'}, {@code '%'}. */
    static String quoteChar(char c) {
        return "'" + escape(String.valueOf(c)) + "'";
    }
}
