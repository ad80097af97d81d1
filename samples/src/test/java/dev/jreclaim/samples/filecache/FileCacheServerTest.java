package dev.jreclaim.samples.filecache;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.sun.net.httpserver.HttpServer;
import dev.jreclaim.samples.service.HttpLoad;
import dev.jreclaim.samples.service.ServedFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The static-file service on its own (no agent): right bytes, only its directory's files, and a checker that sees one wrong byte. */
class FileCacheServerTest {
    @TempDir
    Path dir;

    @Test
    void servesEveryFileByteForByteTwice() throws Exception {
        ServedFiles files = ServedFiles.in(dir).add(ServedFiles.Kind.INCOMPRESSIBLE, 4, 300_000)
                .add(ServedFiles.Kind.TEXT, 2, 70_000);
        HttpServer server = FileCacheServer.start(dir, 0);
        try {
            HttpLoad.Result r = HttpLoad.run(server.getAddress().getPort(), files.paths("/files/"), files.check(),
                    12, 2, Duration.ofMinutes(1));
            assertEquals(new HttpLoad.Result(12, 0, 0, r.millis()), r, r.line());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void servesNothingOutsideItsDirectory() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        ServedFiles.in(www).add(ServedFiles.Kind.TEXT, 1, 100);
        Files.writeString(dir.resolve("secret"), "no");
        HttpServer server = FileCacheServer.start(www, 0);
        try {
            HttpLoad.Result r = HttpLoad.run(server.getAddress().getPort(),
                    List.of("/files/..%2Fsecret", "/files/../secret", "/files/.hidden", "/files/missing"), (i, b) -> true,
                    4, 1, Duration.ofMinutes(1));
            assertEquals(new HttpLoad.Result(0, 0, 4, r.millis()), r, "every request refused: " + r.line());
        } finally {
            server.stop(0);
        }
    }

    @Test
    void theCheckerTellsOneWrongByte() throws Exception {
        ServedFiles files = ServedFiles.in(dir).add(ServedFiles.Kind.INCOMPRESSIBLE, 2, 8192);
        byte[] body = Files.readAllBytes(dir.resolve("incompressible-1.bin"));
        assertEquals(true, files.check().matches(1, body));
        assertEquals(false, files.check().matches(0, body));
        body[4096] ^= 1;
        assertEquals(false, files.check().matches(1, body));
    }
}
