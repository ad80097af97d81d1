package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link FaultPath} with the agent and a recording: mark and lock events, samplers every second. */
@Fork(jvmArgsAppend = {ForkArgs.NATIVE_ACCESS, ForkArgs.AGENT, ForkArgs.JFR, ForkArgs.QUIET_JFR})
public class FaultPathJfrOn extends FaultPath {}
