package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link AllocateDirect} with the agent, no recording. */
@Fork(jvmArgsAppend = {ForkArgs.NATIVE_ACCESS, ForkArgs.AGENT})
public class AllocateDirectAgent extends AllocateDirect {
    @Override
    boolean withAgent() {
        return true;
    }
}
