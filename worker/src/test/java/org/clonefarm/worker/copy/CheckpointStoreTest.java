package org.clonefarm.worker.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.clonefarm.worker.copy.internal.CheckpointRecords;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;

/** The RocksDB checkpoint store: what it keeps across reopen, per copy id, under concurrent use. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CheckpointStoreTest {
    private static final DiskDigest.Algorithm SHA = DiskDigest.Algorithm.SHA256;

    @TempDir
    Path dir;

    private static byte[] digest(long index) {
        byte[] digest = new byte[32];
        java.util.Arrays.fill(digest, (byte) index);
        digest[0] = (byte) (index >>> 8);
        return digest;
    }

    /** Committed chunks and the layout survive closing and reopening the store. */
    @Test
    void committedChunksSurviveReopen() throws Exception {
        CheckpointLayout layout = new CheckpointLayout(65536, 10 * 65536L, 0, SHA);
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            store.begin("copy-a", layout);
            store.commit("copy-a", Map.of(0L, digest(0), 7L, digest(7)));
        }
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            CheckpointStore.CheckpointedCopy copy = store.load("copy-a").orElseThrow();
            assertThat(copy.layout()).isEqualTo(layout);
            assertThat(copy.chunkDigests().keySet()).containsExactly(0L, 7L);
            assertThat(copy.chunkDigests().get(7L)).isEqualTo(digest(7));
        }
    }

    /** Copy ids that are prefixes of each other keep separate chunks; delete removes one copy only. */
    @Test
    void copiesAreSeparatedByIdEvenWhenOneIdPrefixesAnother() throws Exception {
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            store.begin("disk", new CheckpointLayout(65536, 65536L * 300, 0, SHA));
            store.begin("disk1", new CheckpointLayout(65536, 65536L * 300, 0, SHA));
            store.commit("disk", Map.of(1L, digest(1), 256L, digest(256)));
            store.commit("disk1", Map.of(2L, digest(2)));

            assertThat(store.load("disk").orElseThrow().chunkDigests().keySet()).containsExactly(1L, 256L);
            store.delete("disk");
            assertThat(store.load("disk")).isEmpty();
            assertThat(store.load("disk1").orElseThrow().chunkDigests().keySet()).containsExactly(2L);
        }
    }

    /** Beginning a copy again drops its old chunk checkpoints. */
    @Test
    void beginStartsAfresh() throws Exception {
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            store.begin("c", new CheckpointLayout(65536, 65536L * 4, 0, SHA));
            store.commit("c", Map.of(0L, digest(0)));
            store.begin("c", new CheckpointLayout(131072, 65536L * 4, 0, SHA));
            assertThat(store.load("c").orElseThrow().chunkDigests()).isEmpty();
            assertThat(store.load("c").orElseThrow().layout().chunkSize()).isEqualTo(131072);
        }
    }

    /** Many threads committing to different copies at once lose nothing. */
    @Test
    void concurrentCommitsLoseNothing() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(8);
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            List<Future<?>> writers = new ArrayList<>();
            for (int copy = 0; copy < 8; copy++) {
                String id = "copy-" + copy;
                store.begin(id, new CheckpointLayout(65536, 65536L * 200, CheckpointLayout.NOT_ZERO, SHA));
                writers.add(threads.submit(() -> {
                    for (long i = 0; i < 200; i += 10) {
                        Map<Long, byte[]> batch = new TreeMap<>();
                        for (long j = i; j < i + 10; j++) {
                            batch.put(j, digest(j));
                        }
                        store.commit(id, batch);
                    }
                    return null;
                }));
            }
            for (Future<?> writer : writers) {
                writer.get(20, TimeUnit.SECONDS);
            }
            for (int copy = 0; copy < 8; copy++) {
                assertThat(store.load("copy-" + copy).orElseThrow().chunkDigests()).hasSize(200);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    /** A second process (or a second open) of the same directory is refused with the directory named. */
    @Test
    void aSecondOpenOfTheSameDirectoryIsRefused() throws Exception {
        try (CheckpointStore first = CheckpointStore.open(dir)) {
            assertThat(first.directory()).isEqualTo(dir);
            assertThatThrownBy(() -> CheckpointStore.open(dir))
                    .isInstanceOfSatisfying(CopyException.class, e -> {
                        assertThat(e.kind()).isEqualTo(CopyException.Kind.CHECKPOINT);
                        assertThat(e.getMessage()).contains(dir.toString());
                    });
        }
    }

    /** A layout names its chunk digest algorithm, and chunk records of that algorithm's length load back. */
    @Test
    void aLayoutKeepsItsDigestAlgorithm() throws Exception {
        CheckpointLayout layout = new CheckpointLayout(65536, 65536L * 3, 0, DiskDigest.Algorithm.CRC32C_CRC32);
        byte[] crcs = {1, 2, 3, 4, 5, 6, 7, 8};
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            store.begin("crc", layout);
            store.commit("crc", Map.of(2L, crcs));
        }
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            CheckpointStore.CheckpointedCopy copy = store.load("crc").orElseThrow();
            assertThat(copy.layout()).isEqualTo(layout);
            assertThat(copy.layout().digest()).isEqualTo(DiskDigest.Algorithm.CRC32C_CRC32);
            assertThat(copy.chunkDigests().get(2L)).isEqualTo(crcs);
        }
    }

    /** Records written before digests had a choice (layout version 1) still load, as sha256 checkpoints. */
    @Test
    void versionOneRecordsLoadAsSha256() throws Exception {
        try (Options options = new Options().setCreateIfMissing(true); RocksDB db = RocksDB.open(options, dir.toString())) {
            db.put(CheckpointRecords.layoutKey("old"), CheckpointRecords.encodeLayoutVersion1(65536, 65536L * 2, 0));
            db.put(CheckpointRecords.chunkKey("old", 1), digest(1));
        }
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            CheckpointStore.CheckpointedCopy copy = store.load("old").orElseThrow();
            assertThat(copy.layout()).isEqualTo(new CheckpointLayout(65536, 65536L * 2, 0, SHA));
            assertThat(copy.chunkDigests().get(1L)).isEqualTo(digest(1));
        }
    }

    /** A chunk record whose length is not its layout's algorithm's fails the load and says both. */
    @Test
    void aChunkRecordOfTheWrongLengthIsReportedAsCorrupt() throws Exception {
        try (CheckpointStore store = CheckpointStore.open(dir)) {
            store.begin("crc", new CheckpointLayout(65536, 65536L, 0, DiskDigest.Algorithm.CRC32C_CRC32));
            store.commit("crc", Map.of(0L, digest(0)));
            assertThatThrownBy(() -> store.load("crc")).isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("32 bytes").hasMessageContaining("crc32c+crc32 digest has 8");
        }
    }

    /** After close, calls fail plainly instead of touching freed native memory. */
    @Test
    void aClosedStoreRefusesCalls() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir);
        store.close();
        store.close();
        assertThatThrownBy(() -> store.load("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
