package dev.jreclaim.agent.start;

import dev.jreclaim.agent.cgroup.UsableMemory;
import dev.jreclaim.agent.config.AgentConfig;
import dev.jreclaim.agent.config.PurgePolicy;
import dev.jreclaim.agent.linux.Libc;
import dev.jreclaim.agent.linux.Userfaultfd;
import dev.jreclaim.agent.range.RangeRegistry;

/**
 * The fault service's options from {@code jreclaim.uffd.mode}, {@code service.capacity}, {@code snapshot.chunk},
 * {@code snapshot.max-memory} (a share of it resolved against the memory this process may use), {@code snapshot.spill},
 * {@code snapshot.spill-dir} and {@code memory.recycle-max},
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
        // A share of max-memory is of the memory this process may use: its cgroup's tightest limit, else RAM.
        long maxSnapshotBytes = config.snapshotMaxMemory().resolve(
                config.snapshotMaxMemory().percent() >= 0 ? UsableMemory.bytes() : 0);
        // No rule that keeps snapshots (rebuild:snapshot, or rebuild:file's pages without a file): no spill file.
        boolean keepsSnapshots = config.rules().stream().anyMatch(r -> r.onPurge().contains(PurgePolicy.REBUILD_SNAPSHOT)
                || r.onPurge().contains(PurgePolicy.REBUILD_FILE));
        java.nio.file.Path spillDir = !keepsSnapshots ? null
                : config.snapshotSpillDir() != null ? config.snapshotSpillDir()
                : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        return new RangeRegistry.Options(mode, config.serviceCapacity(), config.snapshotChunkPages(Libc.pageSize()),
                RangeRegistry.Options.defaults().maxRangeBytes(), config.snapshotMinRatioPct(), maxSnapshotBytes,
                config.fileMaxOpen(), config.recycleMax(), config.snapshotSpill().code(),
                spillDir == null ? null : spillDir.toString());
    }
}
