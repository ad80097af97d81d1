package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link AllocateDirect} without the agent: the baseline. */
@Fork(jvmArgsAppend = ForkArgs.NATIVE_ACCESS)
public class AllocateDirectPlainJdk extends AllocateDirect {
    @Override
    boolean withAgent() {
        return false;
    }
}
