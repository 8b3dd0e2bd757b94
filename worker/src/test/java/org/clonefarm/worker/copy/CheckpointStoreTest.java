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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The RocksDB checkpoint store: what it keeps across reopen, per copy id, under concurrent use. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class CheckpointStoreTest {
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
        CheckpointLayout layout = new CheckpointLayout(65536, 10 * 65536L, 0);
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
            store.begin("disk", new CheckpointLayout(65536, 65536L * 300, 0));
            store.begin("disk1", new CheckpointLayout(65536, 65536L * 300, 0));
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
            store.begin("c", new CheckpointLayout(65536, 65536L * 4, 0));
            store.commit("c", Map.of(0L, digest(0)));
            store.begin("c", new CheckpointLayout(131072, 65536L * 4, 0));
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
                store.begin(id, new CheckpointLayout(65536, 65536L * 200, CheckpointLayout.NOT_ZERO));
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

    /** After close, calls fail plainly instead of touching freed native memory. */
    @Test
    void aClosedStoreRefusesCalls() throws Exception {
        CheckpointStore store = CheckpointStore.open(dir);
        store.close();
        store.close();
        assertThatThrownBy(() -> store.load("x")).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }
}
