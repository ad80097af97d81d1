package dev.jreclaim.agent.cgroup;

import java.io.IOException;
import org.junit.jupiter.api.Assumptions;

/** The memory cgroup of a test that claims reclaim under real pressure. */
public final class TestCgroups {
    private TestCgroups() {}

    /**
     * A child cgroup named {@code name-<pid>} limited to {@code limitBytes}. Where none can be made (not root, no
     * memory controller) the test is skipped and says why; under CI ({@code CI=true}, which runs as root with memory
     * cgroups) that is a failure instead, so that a broken set-up cannot turn these tests into skips.
     */
    public static MemoryCgroup childOrSkip(String name, long limitBytes) throws IOException {
        try {
            return MemoryCgroup.createChild(name + "-" + ProcessHandle.current().pid(), limitBytes);
        } catch (IOException e) {
            if ("true".equals(System.getenv("CI"))) {
                throw new IOException("CI=true: a writable memory cgroup is required here: " + e.getMessage(), e);
            }
            Assumptions.abort("skipped: needs a writable memory cgroup: " + e.getMessage());
            throw e; // not reached: abort throws
        }
    }
}
