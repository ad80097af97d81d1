package dev.jreclaim.agent.pressure;

import dev.jreclaim.agent.config.Headroom;

/** Where a {@link PressureGauge} reads how short memory is: the process's memory cgroup, or the host's. */
public interface MemorySignal {
    /**
     * Reads the files now; called from one thread at a time (the gauge's poll), never throws for a missing file.
     * {@code headroom} lets it skip what cannot change the answer (memory.stat while the usage alone leaves room).
     */
    MemoryReading read(Headroom headroom);

    /** "cgroup v1 /sys/fs/cgroup/memory/x (limit 256 MiB)", for the start-up line and figures. */
    String describe();

    /** The signal of this process: its memory cgroup or an ancestor's limit, else /proc/meminfo. */
    static MemorySignal ofThisProcess() {
        MemorySignal cgroup = CgroupSignal.ofThisProcess();
        return cgroup != null ? cgroup : new MeminfoSignal();
    }
}
