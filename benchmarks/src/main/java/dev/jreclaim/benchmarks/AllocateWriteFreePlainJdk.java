package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link AllocateWriteFree} without the agent: the baseline. */
@Fork(jvmArgsAppend = ForkArgs.NATIVE_ACCESS)
public class AllocateWriteFreePlainJdk extends AllocateWriteFree {
    @Override
    boolean withAgent() {
        return false;
    }
}
