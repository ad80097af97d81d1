package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link NativeAccessGuard} without the agent: the baseline. */
@Fork(jvmArgsAppend = ForkArgs.NATIVE_ACCESS)
public class NativeAccessGuardPlainJdk extends NativeAccessGuard {
    @Override
    boolean withAgent() {
        return false;
    }
}
