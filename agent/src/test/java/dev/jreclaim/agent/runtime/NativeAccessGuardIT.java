package dev.jreclaim.agent.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * With {@code on-purge=throw}, every JDK path that hands a purged buffer's address to native code, an intrinsic
 * stub or a system call throws the documented exception before the call, and the JVM lives on: without the guards
 * CRC32C and the zlib calls crash it (SIGBUS in native code), the channel calls fail with "Bad address".
 */
class NativeAccessGuardIT {
    static final List<String> CASES = List.of("CRC32.update", "CRC32C.update", "Adler32.update",
            "Deflater.setInput+deflate", "Inflater.inflate into", "MemorySegment.mismatch", "ByteBuffer.equals",
            "FileChannel.write from", "FileChannel.read into");

    @Test
    void purgedThrowBuffersGetAnExceptionNotACrash() throws Exception {
        ChildJvm.Result r = ChildJvm.run(ChildJvm.java(ConfigFile.option(ConfigFile.EVERYTHING_64K.formatted("throw")),
                List.of(), NativeReadersOnPurgedBuffers.class));
        assertEquals(0, r.exit(), r.toString());
        for (String c : CASES) {
            String prefix = c + ": intact ok, purged "
                    + (c.startsWith("FileChannel") ? "PurgedBufferException" : "PurgedMemoryError") + ": ";
            assertTrue(r.out().stream().anyMatch(l -> l.startsWith(prefix)), c + " in " + r);
        }
        assertEquals("alive", r.out().getLast(), r.toString());
        assertTrue(r.agentLines().getFirst().contains("native I/O guards"), r.toString());
    }
}
