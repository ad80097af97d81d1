package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link NativeAccessGuard} with the agent. */
@Fork(jvmArgsAppend = {ForkArgs.NATIVE_ACCESS, ForkArgs.AGENT})
public class NativeAccessGuardAgent extends NativeAccessGuard {
    @Override
    boolean withAgent() {
        return true;
    }
}
