package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link MarkLock} with the agent, no recording. */
@Fork(jvmArgsAppend = {ForkArgs.NATIVE_ACCESS, ForkArgs.AGENT})
public class MarkLockJfrOff extends MarkLock {}
