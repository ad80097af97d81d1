package dev.jreclaim.agent.config;

import java.util.List;
import java.util.Optional;

/**
 * What {@link ConfigLoader} found: the valid part of the configuration (defaults in place of bad
 * global values, bad rules left out), every problem, and why the agent must not run, if it must not.
 */
public record LoadedConfig(AgentConfig config, List<ConfigProblem> problems, Optional<String> disabledReason) {
    public LoadedConfig {
        problems = List.copyOf(problems);
    }

    /** Whether the agent should install itself. */
    public boolean active() {
        return disabledReason.isEmpty();
    }

    /** One line per problem, in the order found, for the agent's log. */
    public List<String> lines() {
        return problems.stream().map(ConfigProblem::line).toList();
    }
}
