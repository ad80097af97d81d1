package dev.jreclaim.benchmarks;

import org.openjdk.jmh.annotations.Fork;

/** {@link MarkLock} with the agent and a recording that keeps every RangeMarked and RangeLocked event. */
@Fork(jvmArgsAppend = {ForkArgs.NATIVE_ACCESS, ForkArgs.AGENT, ForkArgs.JFR, ForkArgs.QUIET_JFR})
public class MarkLockJfrOn extends MarkLock {}
