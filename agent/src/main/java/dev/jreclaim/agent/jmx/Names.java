package dev.jreclaim.agent.jmx;

import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** Object names the agent uses, which are constants: a malformed one is a bug. */
final class Names {
    static final String AGENT = "dev.jreclaim:type=Agent";

    private Names() {}

    static ObjectName of(String name) {
        try {
            return new ObjectName(name);
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
