package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link AllocateDirect} with the agent and a JFR recording (default settings, every jreclaim event on). */
@Fork(jvmArgsAppend = {ForkArgs.NATIVE_ACCESS, ForkArgs.AGENT, ForkArgs.JFR, ForkArgs.QUIET_JFR})
public class AllocateDirectAgentJfr extends AllocateDirect {
    @Override
    boolean withAgent() {
        return true;
    }
}
