package dev.jreclaim.agent.runtime;

import dev.jreclaim.agent.cgroup.UsableMemory;

/** A child program (UsableMemoryIT): prints {@code USABLE <bytes>}, what a share of snapshot.max-memory is of. */
public final class UsableMemoryChild {
    private UsableMemoryChild() {}

    public static void main(String[] args) {
        System.out.println("USABLE " + UsableMemory.bytes());
    }
}
