package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link FaultPath} with the agent, no recording. */
@Fork(jvmArgsAppend = {ForkArgs.NATIVE_ACCESS, ForkArgs.AGENT})
public class FaultPathJfrOff extends FaultPath {}
