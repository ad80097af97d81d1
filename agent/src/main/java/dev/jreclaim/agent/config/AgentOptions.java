package dev.jreclaim.agent.config;

import java.util.List;
import java.util.Optional;

/**
 * The options string of {@code -javaagent:jreclaim-agent.jar=<options>}: {@code key=value} pairs
 * separated by commas. The only key is {@code config}; everything else lives in the file, whose
 * values (on-purge lists) contain commas themselves.
 *
 * @param config  the file named by {@code config=}, if any
 * @param problem why the options are unusable, if they are (the agent then disables itself)
 */
public record AgentOptions(Optional<String> config, Optional<ConfigProblem> problem) {
    public static final String CONFIG = "config";
    private static final String USE = "write config=<file>";

    public static AgentOptions parse(String options) {
        if (options == null || options.isBlank()) {
            return new AgentOptions(Optional.empty(), Optional.empty());
        }
        String config = null;
        for (String part : options.split(",", -1)) {
            String pair = part.strip();
            int eq = pair.indexOf('=');
            String error = null;
            if (pair.isEmpty()) {
                error = "empty option (two commas, or a comma at an end); " + USE;
            } else if (eq < 0) {
                error = "option '" + pair + "' has no '='; " + USE;
            } else {
                String key = pair.substring(0, eq).strip();
                String value = pair.substring(eq + 1).strip();
                if (!key.equals(CONFIG)) {
                    error = (key.isEmpty() ? "option with no name" : "unknown option '" + key + "'")
                            + "; the only option is config=<file>" + DidYouMean.closest(key, List.of(CONFIG));
                } else if (config != null) {
                    error = "config given twice";
                } else if (value.isEmpty()) {
                    error = "config has no file; " + USE;
                } else {
                    config = value;
                }
            }
            if (error != null) {
                return new AgentOptions(Optional.empty(),
                        Optional.of(ConfigProblem.agent(null, Origin.AGENT_OPTIONS, options, error)));
            }
        }
        return new AgentOptions(Optional.of(config), Optional.empty());
    }
}
