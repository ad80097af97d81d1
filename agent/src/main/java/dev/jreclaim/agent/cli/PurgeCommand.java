package dev.jreclaim.agent.cli;

import java.io.PrintStream;

/** {@code purge <pid> [rule]}: MADV_PAGEOUT of the volatile ranges of one rule, or of all. */
final class PurgeCommand {
    private PurgeCommand() {}

    static void run(String[] args, PrintStream out) throws CliError {
        if (args.length < 2 || args.length > 3) {
            throw new CliError("usage: purge <pid> [rule]");
        }
        long pid = AgentConnection.pid(args[1]);
        String rule = args.length > 2 ? args[2] : "*";
        try (AgentConnection c = AgentConnection.open(pid)) {
            int n;
            try {
                n = c.agent().purge(rule);
            } catch (RuntimeException e) { // the proxy hands back the MBean's IllegalArgumentException as its cause
                Throwable cause = e;
                while (cause.getCause() != null && !(cause instanceof IllegalArgumentException)) {
                    cause = cause.getCause();
                }
                throw new CliError(cause instanceof IllegalArgumentException ? cause.getMessage() + " in pid " + pid
                        : "purge in pid " + pid + " failed: " + e);
            }
            out.println("jreclaim: purged " + n + " volatile ranges" + (rule.equals("*") || rule.isEmpty() ? "" : " of rule '" + rule + "'")
                    + " in pid " + pid);
        }
    }
}
