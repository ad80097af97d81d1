package dev.jreclaim.benchmarks.suite;

import java.nio.ByteBuffer;

/**
 * The footprint's trivial service (benchmarks/scripts/bench.sh): starts, names its rule's site (so that the
 * agent has one rule to install, benchmarks/suite-idle.properties), prints {@code ready} and sleeps. With the
 * agent and without it: idle RSS while it sleeps, and the wall time of a run that does not sleep (start-up).
 *
 * <p>{@code IdleChild <sleep millis>}
 */
public final class IdleChild {
    private IdleChild() {}

    /** The rule's site; never called with a size the rule takes. */
    static ByteBuffer load(int size) {
        return ByteBuffer.allocateDirect(size);
    }

    public static void main(String[] args) throws InterruptedException {
        System.out.println("ready " + load(16).capacity());
        System.out.flush();
        Thread.sleep(Long.parseLong(args[0]));
    }
}
