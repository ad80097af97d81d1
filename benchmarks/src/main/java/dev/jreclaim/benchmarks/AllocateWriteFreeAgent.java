package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link AllocateWriteFree} with the agent, no recording. */
@Fork(jvmArgsAppend = {ForkArgs.NATIVE_ACCESS, ForkArgs.AGENT})
public class AllocateWriteFreeAgent extends AllocateWriteFree {
    @Override
    boolean withAgent() {
        return true;
    }
}
