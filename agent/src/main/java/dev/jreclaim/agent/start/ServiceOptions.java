package dev.jreclaim.agent.start;

import dev.jreclaim.agent.config.AgentConfig;
import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.Userfaultfd;
import dev.jreclaim.agent.range.RangeRegistry;

/**
 * The fault service's options from {@code jreclaim.uffd.mode}, {@code service.capacity}, {@code snapshot.chunk} and
 * {@code memory.recycle-max},
 * the chunk in pages of the kernel's size (native access is known to be allowed by now).
 */
final class ServiceOptions {
    private ServiceOptions() {}

    static RangeRegistry.Options of(AgentConfig config) {
        Userfaultfd.Mode mode = switch (config.uffdMode()) {
            case AUTO -> null; // the best this process may open
            case SYSCALL -> Userfaultfd.Mode.FULL_SYSCALL;
            case DEVICE -> Userfaultfd.Mode.FULL_DEVICE;
            case USER_MODE_ONLY -> Userfaultfd.Mode.USER_MODE_ONLY;
        };
        return new RangeRegistry.Options(mode, config.serviceCapacity(), config.snapshotChunkPages(Libc.pageSize()),
                RangeRegistry.Options.defaults().maxRangeBytes(), config.snapshotMinRatioPct(), config.snapshotMaxMemory(),
                config.fileMaxOpen(), config.recycleMax());
    }
}
