package dev.jreclaim.agent.rules;

import static dev.jreclaim.agent.config.PurgePolicy.REBUILD_APP;
import static dev.jreclaim.agent.config.PurgePolicy.REBUILD_FILE;
import static dev.jreclaim.agent.config.PurgePolicy.REBUILD_SNAPSHOT;
import static dev.jreclaim.agent.config.PurgePolicy.THROW;
import static dev.jreclaim.agent.config.PurgePolicy.ZERO;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jreclaim.agent.range.RebuildSource;
import java.util.List;
import org.junit.jupiter.api.Test;

class PurgeResolutionTest {
    @Test
    void firstEntryThatCanServeWins() {
        assertEquals(RebuildSource.SNAPSHOT, PurgeResolution.resolve(List.of(REBUILD_SNAPSHOT, ZERO), true).source());
        assertEquals(RebuildSource.ZERO, PurgeResolution.resolve(List.of(ZERO), true).source());
        assertEquals(RebuildSource.POISON, PurgeResolution.resolve(List.of(THROW), true).source());
    }

    @Test
    void laterIssuesAndMissingWriteProtectAreSkipped() {
        PurgeResolution r = PurgeResolution.resolve(List.of(REBUILD_FILE, REBUILD_APP, THROW), true, false);
        assertEquals(RebuildSource.POISON, r.source());
        assertEquals("POISON (rebuild:file with throw after it needs a full userfaultfd (this one is user-mode-only),"
                + " rebuild:app is not supported yet)", r.describe());
        assertEquals("SNAPSHOT (rebuild:file needs zero or throw after it (what a page whose file changed becomes))",
                PurgeResolution.resolve(List.of(REBUILD_FILE, REBUILD_SNAPSHOT), true).describe());
        PurgeResolution noWp = PurgeResolution.resolve(List.of(REBUILD_SNAPSHOT, ZERO), false);
        assertEquals("ZERO (rebuild:snapshot needs userfaultfd write-protect)", noWp.describe());
    }

    @Test
    void aSnapshotChunkThatDoesNotPayFallsToZeroOnlyWhenZeroFollows() {
        PurgeResolution z = PurgeResolution.resolve(List.of(REBUILD_SNAPSHOT, ZERO), true);
        assertEquals(RebuildSource.ZERO, z.fallback());
        assertEquals("SNAPSHOT else ZERO", z.describe());
        assertEquals(null, PurgeResolution.resolve(List.of(REBUILD_SNAPSHOT, THROW), true).fallback());
        assertEquals(null, PurgeResolution.resolve(List.of(REBUILD_SNAPSHOT), true).fallback());
        assertEquals("SNAPSHOT", PurgeResolution.resolve(List.of(REBUILD_SNAPSHOT), true).describe());
        assertEquals(null, PurgeResolution.resolve(List.of(ZERO), true).fallback());
    }

    @Test
    void noneLeftMeansPlainMemory() {
        PurgeResolution r = PurgeResolution.resolve(List.of(REBUILD_SNAPSHOT, REBUILD_APP), false);
        assertEquals(null, r.source());
        assertEquals("plain JDK memory (rebuild:snapshot needs userfaultfd write-protect, rebuild:app is not"
                + " supported yet)", r.describe());
    }

    @Test
    void rebuildFromFilesIsASnapshotRangeThatFallsToZero() {
        PurgeResolution f = PurgeResolution.resolve(List.of(REBUILD_FILE, ZERO), true);
        assertEquals(RebuildSource.SNAPSHOT, f.source());
        assertEquals(RebuildSource.ZERO, f.fallback());
        assertEquals(true, f.fromFiles());
        assertEquals("FILE+SNAPSHOT else ZERO", f.describe());
        assertEquals(false, PurgeResolution.resolve(List.of(REBUILD_SNAPSHOT, ZERO), true).fromFiles());
        assertEquals("ZERO (rebuild:file needs userfaultfd write-protect)",
                PurgeResolution.resolve(List.of(REBUILD_FILE, ZERO), false).describe());
        assertEquals(false, f.fileThenSnapshot());
    }

    @Test
    void fileThenSnapshotKeepsFilePagesInTheSnapshotToo() {
        PurgeResolution f = PurgeResolution.resolve(List.of(REBUILD_FILE, REBUILD_SNAPSHOT, ZERO), true);
        assertEquals(RebuildSource.SNAPSHOT, f.source());
        assertEquals(RebuildSource.ZERO, f.fallback());
        assertEquals(true, f.fromFiles());
        assertEquals(true, f.fileThenSnapshot());
        assertEquals("FILE+SNAPSHOT (file pages snapshotted too) else ZERO", f.describe());
        assertEquals(false, f.fileThrow());
    }

    @Test
    void fileThenThrowLosesSinglePagesWithAFullUserfaultfd() {
        PurgeResolution t = PurgeResolution.resolve(List.of(REBUILD_FILE, THROW), true, true);
        assertEquals(RebuildSource.SNAPSHOT, t.source());
        assertEquals(null, t.fallback()); // a chunk whose snapshot does not pay stays plain memory
        assertEquals(true, t.fromFiles());
        assertEquals(true, t.fileThrow());
        assertEquals(false, t.fileThenSnapshot());
        assertEquals("FILE+SNAPSHOT, file pages else THROW", t.describe());
        PurgeResolution ts = PurgeResolution.resolve(List.of(REBUILD_FILE, REBUILD_SNAPSHOT, THROW), true, true);
        assertEquals(true, ts.fileThenSnapshot());
        assertEquals(true, ts.fileThrow());
        assertEquals("FILE+SNAPSHOT (file pages snapshotted too), file pages else THROW", ts.describe());
        PurgeResolution umo = PurgeResolution.resolve(List.of(REBUILD_FILE, THROW), true, false);
        assertEquals(RebuildSource.POISON, umo.source());
        assertEquals(false, umo.fromFiles());
    }
}
