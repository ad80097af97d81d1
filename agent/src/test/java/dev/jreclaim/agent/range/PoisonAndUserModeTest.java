package dev.jreclaim.agent.range;

import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static org.junit.jupiter.api.Assertions.*;

import dev.jreclaim.agent.linux.Userfaultfd;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import org.junit.jupiter.api.Test;

class PoisonAndUserModeTest {
    @Test
    void poison() throws Exception {
        try (FaultService svc = FaultService.start(); VolatileRange r = svc.allocate(64 << 10, RebuildSource.POISON)) {
            r.segment().fill((byte) 5);
            r.mark();
            r.purge();
            ByteBuffer b = r.asByteBuffer();
            Throwable t = assertThrows(Throwable.class, () -> b.get(4096));
            System.out.println("POISON touch: " + t);
            assertEquals(LockResult.PURGED, r.lock());
            assertEquals(0, r.segment().get(JAVA_BYTE, 4096));
        }
    }

    @Test
    void userModeIo() throws Exception {
        try (FaultService svc = FaultService.start(FaultService.Options.defaults().withMode(Userfaultfd.Mode.USER_MODE_ONLY));
                VolatileRange r = svc.allocate(64 << 10, RebuildSource.SNAPSHOT);
                FileChannel ch = new FileOutputStream(java.io.File.createTempFile("jreclaim", ".bin")).getChannel()) {
            r.segment().fill((byte) 5);
            r.mark();
            r.purge();
            IOException e = assertThrows(IOException.class, () -> ch.write(r.asByteBuffer()));
            System.out.println("user-mode-only write: " + e);
            r.purge();
            r.pin(0, r.byteSize());
            r.purge();
            assertEquals(r.byteSize(), ch.write(r.asByteBuffer()));
        }
    }
}
