package dev.jreclaim.agent.pressure;

import dev.jreclaim.agent.config.Headroom;
import java.nio.file.Path;

/** The host's memory, for a process under no cgroup limit: /proc/meminfo's MemTotal and MemAvailable. */
final class MeminfoSignal implements MemorySignal {
    private final KernelFile meminfo = KernelFile.open(Path.of("/proc/meminfo"));
    private long total = -1;

    @Override
    public MemoryReading read(Headroom headroom) {
        if (meminfo == null) {
            return new MemoryReading(Long.MAX_VALUE, Long.MAX_VALUE); // nothing to read: never short
        }
        if (total < 0) {
            total = meminfo.keyed("MemTotal");
        }
        long available = meminfo.keyed("MemAvailable");
        return total <= 0 || available < 0 ? new MemoryReading(Long.MAX_VALUE, Long.MAX_VALUE)
                : new MemoryReading(total, available);
    }

    @Override
    public String describe() {
        return "/proc/meminfo (no memory cgroup limit)";
    }
}
