package dev.jreclaim.agent.range;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jreclaim.agent.linux.Userfaultfd;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * System calls on purged pages: served transparently by a full userfaultfd, EFAULT under
 * UFFD_USER_MODE_ONLY unless the pages are pinned from user mode first.
 */
class UserModeOnlyIoTest {
    @TempDir
    Path tmp;

    private static byte[] expected(long size) {
        byte[] b = new byte[(int) size];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (i / 4096 + 3);
        }
        return b;
    }

    private void writeThroughFileChannel(Userfaultfd.Mode mode, boolean pin, boolean expectEfault) throws IOException {
        try (RangeRegistry svc = RangeRegistry.start(RangeRegistry.Options.defaults().withMode(mode));
                VolatileRange r = svc.allocate(64 << 10, RebuildSource.SNAPSHOT)) {
            byte[] want = expected(r.byteSize());
            r.segment().copyFrom(java.lang.foreign.MemorySegment.ofArray(want));
            r.mark();
            r.purge();
            if (pin) {
                assertTrue(r.pin(0, r.byteSize()));
                r.purge(); // pinned pages are dirty: the purge cannot take them
            }
            Path out = tmp.resolve(mode + "-" + pin);
            try (FileChannel ch = FileChannel.open(out, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
                if (expectEfault) {
                    IOException e = assertThrows(IOException.class, () -> ch.write(r.asByteBuffer()));
                    assertTrue(e.getMessage().contains("Bad address"), e.getMessage());
                    return;
                }
                assertEquals(r.byteSize(), ch.write(r.asByteBuffer()));
            }
            if (pin) {
                r.unpin();
            }
            assertArrayEquals(want, Files.readAllBytes(out));
            assertEquals(want[5000], r.segment().get(ValueLayout.JAVA_BYTE, 5000));
        }
    }

    @Test
    void fullModeServesTheKernelsAccess() throws IOException {
        try (RangeRegistry probe = RangeRegistry.start()) {
            assumeTrue(probe.mode().servesKernelAccess(),
                    "no full userfaultfd here (needs CAP_SYS_PTRACE, vm.unprivileged_userfaultfd=1 or /dev/userfaultfd access); got "
                            + probe.mode());
            writeThroughFileChannel(probe.mode(), false, false);
        }
    }

    @Test
    void userModeOnlyFailsWithEfaultUnlessPinned() throws IOException {
        writeThroughFileChannel(Userfaultfd.Mode.USER_MODE_ONLY, false, true);
        writeThroughFileChannel(Userfaultfd.Mode.USER_MODE_ONLY, true, false);
    }
}
