package org.clonefarm.worker.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.io.FileRegion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** What the copy engine guarantees on real files, a real RocksDB and real loop devices. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CopyEngineTest {
    private static final int CHUNK = 64 * 1024;
    private static final CopyOptions SMALL = CopyOptions.defaults().withChunkSize(CHUNK).withForceBytes(4 * CHUNK);

    @TempDir
    Path dir;
    private CheckpointStore store;
    private CopyEngine engine;

    @BeforeEach
    void open() throws CopyException {
        store = CheckpointStore.open(dir.resolve("checkpoints"));
        engine = new CopyEngine(store);
    }

    @AfterEach
    void close() {
        engine.close();
        store.close();
    }

    private CopyResult copy(FileRegion source, FileRegion target, CopyOptions options) throws Exception {
        return engine.copyAndWait(new CopyPlan(source, target, options, null), CopyListener.NONE, CopyCancellation.none());
    }

    /** A copy is byte-identical and its digest is SHA-256 over the chunk digests (the default CRC pair), as documented. */
    @Test
    void copiesByteForByteWithTheDocumentedDigest() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 10 * CHUNK + 1000, 1);
        Path dst = dir.resolve("dst.img");

        CopyResult result = copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL);

        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
        assertThat(result.outcome()).isEqualTo(CopyOutcome.COMPLETED);
        assertThat(result.bytesTotal()).isEqualTo(10 * CHUNK + 1000);
        assertThat(result.bytesWritten()).isEqualTo(result.bytesTotal());
        assertThat(result.digest()).isEqualTo(TestDisks.diskDigest(src, 0, result.bytesTotal(), CHUNK));
    }

    /**
     * One engine copies disk after disk with the same chunk buffers (a worker's life): a copy after a
     * copy of random bytes, with an unaligned short last chunk, zero chunks and holes, and with resume
     * by compare (the second buffer of a chunk), holds exactly its own source's bytes; nothing of an
     * earlier copy's buffers shows through.
     */
    @Test
    void copiesAfterCopiesThroughReusedBuffersHoldOnlyTheirOwnBytes() throws Exception {
        Path sparse = sparseSource("sparse.img");
        for (int round = 0; round < 3; round++) {
            Path random = TestDisks.randomFile(dir.resolve("random-" + round + ".img"), 20 * CHUNK + 777, 50 + round);
            Path fromRandom = dir.resolve("from-random-" + round + ".img");
            Path fromSparse = dir.resolve("from-sparse-" + round + ".img");
            Path overOld = TestDisks.randomFile(dir.resolve("over-old-" + round + ".img"), 64 * CHUNK, 60 + round);

            copy(FileRegion.whole(random), FileRegion.whole(fromRandom), SMALL);
            CopyResult holes = copy(FileRegion.whole(sparse), FileRegion.whole(fromSparse), SMALL);
            CopyResult compared = copy(FileRegion.whole(sparse), FileRegion.whole(overOld), SMALL.withResumeByCompare(true));

            assertThat(Files.mismatch(random, fromRandom)).as("round %d, random", round).isEqualTo(-1);
            assertThat(Files.mismatch(sparse, fromSparse)).as("round %d, sparse", round).isEqualTo(-1);
            assertThat(Files.mismatch(sparse, overOld)).as("round %d, over old data", round).isEqualTo(-1);
            assertThat(holes.digest()).isEqualTo(compared.digest()).isEqualTo(TestDisks.diskDigest(sparse, 0, 64 * CHUNK, CHUNK));
        }
    }

    /** A minidisk is an extent of its volume: only the extent is read, only the target extent is written. */
    @Test
    void copiesAnExtentIntoAnExtentAndLeavesTheRestAlone() throws Exception {
        Path volume = TestDisks.randomFile(dir.resolve("vol.img"), 20 * CHUNK, 2);
        Path target = TestDisks.randomFile(dir.resolve("target.img"), 20 * CHUNK, 3);
        byte[] before = Files.readAllBytes(target);

        copy(new FileRegion(volume, 3 * CHUNK, 5 * CHUNK + 512), new FileRegion(target, 11 * CHUNK, FileRegion.TO_END), SMALL);

        byte[] after = Files.readAllBytes(target);
        byte[] source = Files.readAllBytes(volume);
        for (int i = 0; i < after.length; i++) {
            boolean inExtent = i >= 11 * CHUNK && i < 16 * CHUNK + 512;
            byte expected = inExtent ? source[i - 11 * CHUNK + 3 * CHUNK] : before[i];
            if (after[i] != expected) {
                throw new AssertionError("target byte " + i + " is " + after[i] + ", expected " + expected);
            }
        }
    }

    /** Every I/O mode copies exactly, also for extents at offsets that direct I/O cannot use as they are. */
    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.EnumSource(CopyOptions.IoMode.class)
    void everyIoModeCopiesExactlyAtUnalignedOffsets(CopyOptions.IoMode mode) throws Exception {
        Path volume = TestDisks.randomFile(dir.resolve("vol.img"), 12 * CHUNK, 30);
        Path target = TestDisks.randomFile(dir.resolve("target.img"), 12 * CHUNK, 31);
        long length = 5L * CHUNK + 333;

        CopyResult result = copy(new FileRegion(volume, 1000, length), new FileRegion(target, 4096 + 7,
                FileRegion.TO_END), SMALL.withIoMode(mode).withMaxInFlight(3));

        assertThat(TestDisks.diskDigest(target, 4096 + 7, length, CHUNK))
                .isEqualTo(TestDisks.diskDigest(volume, 1000, length, CHUNK)).isEqualTo(result.digest());
        CopyResult aligned = copy(new FileRegion(volume, 0, 4L * CHUNK), new FileRegion(target, 8L * CHUNK,
                FileRegion.TO_END), SMALL.withIoMode(mode));
        assertThat(TestDisks.diskDigest(target, 8L * CHUNK, 4L * CHUNK, CHUNK)).isEqualTo(aligned.digest());
    }

    /** Zero chunks are not written to a new target, which stays sparse and still reads back identical. */
    @Test
    void leavesZeroChunksUnwrittenOnANewSparseTarget() throws Exception {
        Path src = dir.resolve("sparse.img");
        TestDisks.randomFile(src, CHUNK, 4);
        try (var file = new java.io.RandomAccessFile(src.toFile(), "rw")) {
            file.setLength(64 * CHUNK);
        }
        TestDisks.writeRandom(src, 40 * CHUNK, CHUNK, 5);
        Path dst = dir.resolve("dst.img");

        CopyResult result = copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL);

        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
        assertThat(result.bytesWritten()).isEqualTo(2 * CHUNK);
        assertThat(result.bytesSkippedZero()).isEqualTo(62 * CHUNK);
        assertThat(TestDisks.allocatedBytes(dst)).isLessThanOrEqualTo(4L * CHUNK);
    }

    /** A sparse source: data in chunks 0 and 40 and in one 4 KiB block of chunk 20, holes everywhere else. */
    private Path sparseSource(String name) throws IOException {
        Path src = dir.resolve(name);
        TestDisks.randomFile(src, CHUNK, 31);
        try (var file = new java.io.RandomAccessFile(src.toFile(), "rw")) {
            file.setLength(64 * CHUNK);
        }
        TestDisks.writeRandom(src, 20 * CHUNK + 8192, 4096, 32);
        TestDisks.writeRandom(src, 40 * CHUNK, CHUNK, 33);
        return src;
    }

    /** The same bytes as {@code sparse}, every block allocated (zeros written, no holes). */
    private Path denseTwin(Path sparse, String name) throws IOException {
        Path dense = dir.resolve(name);
        Files.write(dense, Files.readAllBytes(sparse));
        return dense;
    }

    /** Chunks in source holes are neither read nor hashed, yet target and digest equal those of a dense copy. */
    @Test
    void skipsSourceHolesAndMatchesADenseCopyOfTheSameBytes() throws Exception {
        Path sparse = sparseSource("sparse.img");
        Path dense = denseTwin(sparse, "dense.img");
        Path fromSparse = dir.resolve("from-sparse.img");
        Path fromDense = dir.resolve("from-dense.img");

        CopyResult holes = copy(FileRegion.whole(sparse), FileRegion.whole(fromSparse), SMALL);
        CopyResult read = copy(FileRegion.whole(dense), FileRegion.whole(fromDense), SMALL);

        assertThat(holes.bytesSourceHoles()).isEqualTo(61 * CHUNK);
        assertThat(read.bytesSourceHoles()).isZero();
        assertThat(Files.mismatch(sparse, fromSparse)).isEqualTo(-1);
        assertThat(Files.mismatch(dense, fromDense)).isEqualTo(-1);
        assertThat(holes.digest()).isEqualTo(read.digest())
                .isEqualTo(TestDisks.diskDigest(dense, 0, 64 * CHUNK, CHUNK));
        assertThat(holes.bytesWritten()).isEqualTo(read.bytesWritten()).isEqualTo(2 * CHUNK + 4096);
        assertThat(TestDisks.allocatedBytes(fromSparse)).isLessThanOrEqualTo(3L * CHUNK);
    }

    /**
     * Into an extent of an existing sparse volume (not a new file, so the target is not known to be zeros),
     * chunks whose target extent is a hole get only their non-zero runs written, and the volume stays
     * sparse; a chunk over old data is written whole (here: zeros over it).
     */
    @Test
    void writesOnlyDataIntoTargetExtentsThatAreHoles() throws Exception {
        Path sparse = sparseSource("sparse.img");
        Path volume = dir.resolve("volume.img");
        try (var file = new java.io.RandomAccessFile(volume.toFile(), "rw")) {
            file.setLength(256 * CHUNK);
        }
        long at = 100 * CHUNK;
        TestDisks.writeRandom(volume, at + 5 * CHUNK, CHUNK, 35); // old data where the source has a hole

        CopyResult result = copy(FileRegion.whole(sparse), new FileRegion(volume, at, FileRegion.TO_END), SMALL);

        byte[] copied = java.util.Arrays.copyOfRange(Files.readAllBytes(volume), (int) at, (int) (at + 64 * CHUNK));
        assertThat(copied).isEqualTo(Files.readAllBytes(sparse));
        assertThat(result.bytesWritten()).as("chunks 0 and 40, one 4 KiB run of chunk 20, zeros over the old chunk 5")
                .isEqualTo(3 * CHUNK + 4096);
        assertThat(TestDisks.allocatedBytes(volume)).isLessThanOrEqualTo(4L * CHUNK + 4096);
        assertThat(result.digest()).isEqualTo(TestDisks.diskDigest(sparse, 0, 64 * CHUNK, CHUNK));
    }

    /** Over a target that may hold data, a chunk in a source hole is written as zeros without reading it. */
    @Test
    void writesSourceHolesAsZerosOverATargetThatMayHoldData() throws Exception {
        Path sparse = sparseSource("sparse.img");
        Path dst = TestDisks.randomFile(dir.resolve("old.img"), 64 * CHUNK, 34);

        CopyResult result = copy(FileRegion.whole(sparse), FileRegion.whole(dst), SMALL);

        assertThat(Files.mismatch(sparse, dst)).isEqualTo(-1);
        assertThat(result.bytesSourceHoles()).isEqualTo(61 * CHUNK);
        assertThat(result.bytesWritten()).isEqualTo(64 * CHUNK);
        assertThat(result.digest()).isEqualTo(TestDisks.diskDigest(sparse, 0, 64 * CHUNK, CHUNK));
    }

    /** Resume by compare checks a hole chunk against the target's bytes: zeros there are kept, anything else is rewritten. */
    @Test
    void resumeByCompareKeepsZeroTargetChunksForSourceHolesAndRewritesOthers() throws Exception {
        Path sparse = sparseSource("sparse.img");
        Path dst = dir.resolve("moved.img");
        copy(FileRegion.whole(sparse), FileRegion.whole(dst), SMALL);
        TestDisks.writeRandom(dst, 5 * CHUNK + 100, 10, 35); // damage in a hole chunk

        CopyResult result = engine.copyAndWait(new CopyPlan(FileRegion.whole(sparse), FileRegion.whole(dst),
                SMALL.withResumeByCompare(true), "moved-to-this-worker"), CopyListener.NONE, CopyCancellation.none());

        assertThat(Files.mismatch(sparse, dst)).isEqualTo(-1);
        assertThat(result.bytesSourceHoles()).isEqualTo(61 * CHUNK);
        // the data chunks 0, 20 and 40 are equal by compare; the other hole chunks are holes of the target
        // too, known zeros without a read; the damaged chunk 5 is rewritten
        assertThat(result.bytesSkippedCompare()).isEqualTo(3 * CHUNK);
        assertThat(result.bytesSkippedZero()).isEqualTo(60 * CHUNK);
        assertThat(result.bytesWritten()).isEqualTo(CHUNK);
    }

    /** On an existing target that is not known to be zero, zero chunks are written: it must read as the source. */
    @Test
    void writesZeroChunksWhenTheTargetMayHoldData() throws Exception {
        Path src = dir.resolve("zeros.img");
        Files.write(src, new byte[8 * CHUNK]);
        Path dst = TestDisks.randomFile(dir.resolve("old.img"), 8 * CHUNK, 6);

        CopyResult result = copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL);

        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
        assertThat(result.bytesWritten()).isEqualTo(8 * CHUNK);
        assertThat(result.bytesSkippedZero()).isZero();
    }

    /** With target-zeroed the caller vouches for the target: zero chunks are skipped even on an existing file. */
    @Test
    void skipsZeroChunksWhereTheCallerVouchesTheTargetIsZeroed() throws Exception {
        Path src = dir.resolve("zeros.img");
        Files.write(src, new byte[8 * CHUNK]);
        Path dst = dir.resolve("fresh-volume.img");
        Files.write(dst, new byte[8 * CHUNK]);

        CopyResult result = copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL.withTargetZeroed(true));

        assertThat(result.bytesWritten()).isZero();
        assertThat(result.bytesSkippedZero()).isEqualTo(8 * CHUNK);
    }

    /** A fully checkpointed copy returns its digest from the checkpoints, reading and writing nothing. */
    @Test
    void fullyCheckpointedCopyAnswersFromCheckpointsWithoutReadingOrWriting() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 12 * CHUNK, 7);
        Path dst = dir.resolve("dst.img");
        CopyResult first = copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL);
        FileTime written = Files.getLastModifiedTime(dst);
        TestDisks.writeRandom(src, 0, 12 * CHUNK, 8); // were the source read again, the digest would change

        CopyResult again = copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL);

        assertThat(again.bytesSkippedCheckpoint()).isEqualTo(12 * CHUNK);
        assertThat(again.bytesWritten()).isZero();
        assertThat(again.digest()).isEqualTo(first.digest());
        assertThat(Files.getLastModifiedTime(dst)).isEqualTo(written);
    }

    /**
     * Runs of data long enough to be allocated before their direct write (ext4 then writes the chunks in flight in
     * parallel) are allocated alone: the zero halves of the chunks stay holes of the new target.
     */
    @Test
    void allocatesOnlyTheRunsItWritesOnANewTarget() throws Exception {
        int mib = 1024 * 1024;
        Path src = halfDataSource("halves.img", false, 40);
        Path dst = dir.resolve("halves-copy.img");

        CopyResult result = copy(FileRegion.whole(src), FileRegion.whole(dst),
                CopyOptions.defaults().withChunkSize(mib).withForceBytes(4L * mib));

        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
        assertThat(result.bytesWritten()).isEqualTo(4L * mib);
        assertThat(TestDisks.allocatedBytes(dst)).isBetween(4L * mib, 4L * mib + 64 * 1024);
    }

    /**
     * An 8 MiB source in {@link #dir} whose every MiB is half random data, half zeros; the zero halves are holes, or
     * allocated zeros when {@code allocated}.
     */
    private Path halfDataSource(String name, boolean allocated, int seed) throws IOException {
        int mib = 1024 * 1024;
        Path src = dir.resolve(name);
        if (allocated) {
            Files.write(src, new byte[8 * mib]);
        } else {
            try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(src.toFile(), "rw")) {
                file.setLength(8L * mib);
            }
        }
        for (int chunk = 0; chunk < 8; chunk++) {
            TestDisks.writeRandom(src, (long) chunk * mib, mib / 2, seed + chunk);
        }
        return src;
    }

    /**
     * A source without holes is not allocated ahead: its zero runs, written as they are found, stay holes of the new
     * target, so the target is sparser than the source.
     */
    @Test
    void aDenseSourceKeepsItsZeroRunsAsHolesOfANewTarget() throws Exception {
        int mib = 1024 * 1024;
        Path src = halfDataSource("dense-halves.img", true, 60);
        Path dst = dir.resolve("dense-halves-copy.img");

        CopyResult result = copy(FileRegion.whole(src), FileRegion.whole(dst),
                CopyOptions.defaults().withChunkSize(mib).withForceBytes(4L * mib));

        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
        assertThat(TestDisks.allocatedBytes(src)).isGreaterThanOrEqualTo(8L * mib);
        assertThat(result.bytesWritten()).isEqualTo(4L * mib);
        assertThat(TestDisks.allocatedBytes(dst)).isBetween(4L * mib, 4L * mib + 64 * 1024);
    }

    /**
     * A sparse source's data extents are allocated on the new target before the first write (so that no allocation
     * waits for the direct writes in flight): the target is exactly as sparse as the source, a zero run inside a
     * data extent is allocated but not written, and the bytes are the source's.
     */
    @Test
    void aSparseSourceIsAllocatedAheadAsItsDataExtents() throws Exception {
        int mib = 1024 * 1024;
        Path src = dir.resolve("extents.img");
        try (java.io.RandomAccessFile file = new java.io.RandomAccessFile(src.toFile(), "rw")) {
            file.setLength(8L * mib);
        }
        TestDisks.writeRandom(src, 2L * mib, 2 * mib, 70);
        try (FileChannel out = FileChannel.open(src, StandardOpenOption.WRITE)) {
            out.write(ByteBuffer.allocate(256 * 1024), 3L * mib); // a zero run inside the data extent
        }
        TestDisks.writeRandom(src, 6L * mib, mib, 71);
        Path dst = dir.resolve("extents-copy.img");

        CopyResult result = copy(FileRegion.whole(src), FileRegion.whole(dst),
                CopyOptions.defaults().withChunkSize(mib).withForceBytes(4L * mib));

        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
        assertThat(result.bytesWritten()).isEqualTo(3L * mib - 256 * 1024);
        assertThat(TestDisks.allocatedBytes(src)).isEqualTo(3L * mib);
        assertThat(TestDisks.allocatedBytes(dst)).isEqualTo(TestDisks.allocatedBytes(src));
    }

    /** With --digest sha256 the disk digest is SHA-256 over the chunk SHA-256s; each algorithm's digest is its own. */
    @Test
    void eachDigestAlgorithmGivesItsDocumentedDiskDigest() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 5 * CHUNK + 300, 31);

        CopyResult sha = copy(FileRegion.whole(src), FileRegion.whole(dir.resolve("sha.img")),
                SMALL.withDigest(DiskDigest.Algorithm.SHA256));
        CopyResult crc = copy(FileRegion.whole(src), FileRegion.whole(dir.resolve("crc.img")),
                SMALL.withDigest(DiskDigest.Algorithm.CRC32C_CRC32));

        assertThat(sha.digestAlgorithm()).isEqualTo(DiskDigest.Algorithm.SHA256);
        assertThat(sha.digest()).isEqualTo(TestDisks.diskDigest(src, 0, 5 * CHUNK + 300, CHUNK, DiskDigest.Algorithm.SHA256));
        assertThat(crc.digestAlgorithm()).isEqualTo(DiskDigest.Algorithm.CRC32C_CRC32);
        assertThat(crc.digest()).isEqualTo(TestDisks.diskDigest(src, 0, 5 * CHUNK + 300, CHUNK,
                DiskDigest.Algorithm.CRC32C_CRC32));
        assertThat(Files.mismatch(src, dir.resolve("sha.img"))).isEqualTo(-1);
        assertThat(Files.mismatch(src, dir.resolve("crc.img"))).isEqualTo(-1);
    }

    /**
     * Checkpoints made with one digest algorithm are never mixed with another's: a run with the other algorithm
     * starts over (and its checkpoints are then of its own algorithm), while a run with the same one resumes.
     */
    @Test
    void aResumeWithAnotherDigestAlgorithmStartsOverAndOneWithTheSameResumes() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 12 * CHUNK, 32);
        Path dst = dir.resolve("dst.img");
        CopyOptions sha = SMALL.withDigest(DiskDigest.Algorithm.SHA256);
        CopyOptions crc = SMALL.withDigest(DiskDigest.Algorithm.CRC32C_CRC32);
        CopyResult first = copy(FileRegion.whole(src), FileRegion.whole(dst), sha);
        store.forget(first.copyId(), List.of(3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L)); // as if killed after chunk 2

        CopyResult resumedSha = copy(FileRegion.whole(src), FileRegion.whole(dst), sha);
        store.forget(first.copyId(), List.of(3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L, 11L));
        CopyResult otherAlgorithm = copy(FileRegion.whole(src), FileRegion.whole(dst), crc);
        CopyResult answeredFromCheckpoints = copy(FileRegion.whole(src), FileRegion.whole(dst), crc);

        assertThat(resumedSha.bytesSkippedCheckpoint()).isEqualTo(3 * CHUNK);
        assertThat(resumedSha.digest()).isEqualTo(first.digest());
        assertThat(otherAlgorithm.bytesSkippedCheckpoint()).isZero();
        assertThat(otherAlgorithm.bytesWritten()).isEqualTo(12 * CHUNK);
        assertThat(otherAlgorithm.digest()).isEqualTo(TestDisks.diskDigest(src, 0, 12 * CHUNK, CHUNK,
                DiskDigest.Algorithm.CRC32C_CRC32));
        assertThat(store.load(first.copyId()).orElseThrow().layout().digest()).isEqualTo(DiskDigest.Algorithm.CRC32C_CRC32);
        assertThat(answeredFromCheckpoints.bytesSkippedCheckpoint()).isEqualTo(12 * CHUNK);
        assertThat(answeredFromCheckpoints.digest()).isEqualTo(otherAlgorithm.digest());
        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
    }

    /**
     * Checkpoints written before digests had a choice (layout record version 1) are sha256 checkpoints: a sha256
     * run resumes from them (only the missing chunks are copied) and gives the digest of an uninterrupted copy.
     */
    @Test
    void checkpointsOfTheFirstRecordVersionResumeAsSha256() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 8 * CHUNK, 33);
        Path dst = dir.resolve("dst.img");
        CopyOptions sha = SMALL.withDigest(DiskDigest.Algorithm.SHA256);
        CopyResult first = copy(FileRegion.whole(src), FileRegion.whole(dst), sha);
        List<byte[]> chunks = TestDisks.chunkDigests(src, 0, 8 * CHUNK, CHUNK, DiskDigest.Algorithm.SHA256);
        engine.close();
        store.close();
        try (org.rocksdb.Options options = new org.rocksdb.Options();
                org.rocksdb.RocksDB db = org.rocksdb.RocksDB.open(options, dir.resolve("checkpoints").toString())) {
            db.deleteRange(org.clonefarm.worker.copy.internal.CheckpointRecords.chunkPrefix(first.copyId()),
                    org.clonefarm.worker.copy.internal.CheckpointRecords.chunkPrefixEnd(first.copyId()));
            db.put(org.clonefarm.worker.copy.internal.CheckpointRecords.layoutKey(first.copyId()),
                    org.clonefarm.worker.copy.internal.CheckpointRecords.encodeLayoutVersion1(CHUNK, 8L * CHUNK, 0));
            for (long i = 0; i < 5; i++) {
                db.put(org.clonefarm.worker.copy.internal.CheckpointRecords.chunkKey(first.copyId(), i),
                        chunks.get((int) i));
            }
        }
        open();

        CopyResult resumed = copy(FileRegion.whole(src), FileRegion.whole(dst), sha);

        assertThat(resumed.bytesSkippedCheckpoint()).isEqualTo(5 * CHUNK);
        assertThat(resumed.bytesWritten()).isEqualTo(3 * CHUNK);
        assertThat(resumed.digest()).isEqualTo(first.digest());
    }

    /**
     * The result says where the time went: a dense copy spent CPU reading and hashing, and wall time writing,
     * forcing and checkpointing. (The CPU clocks are bound by the warm-up, off the copy's path: the test waits
     * until a copy reports process CPU time.)
     */
    @Test
    void reportsTheTimeOfEachPhase() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 64 * CHUNK, 34);
        Path tiny = TestDisks.randomFile(dir.resolve("tiny.img"), 4096, 35);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                copy(FileRegion.whole(tiny), FileRegion.whole(dir.resolve("tiny-copy.img")), SMALL.withVerify(true))
                        .phases().processCpuNanos() >= 0);

        CopyResult result = copy(FileRegion.whole(src), FileRegion.whole(dir.resolve("dst.img")), SMALL);

        CopyPhases phases = result.phases();
        assertThat(phases.cpuNanos(CopyPhases.Phase.READ)).isPositive();
        assertThat(phases.cpuNanos(CopyPhases.Phase.HASH)).isPositive();
        assertThat(phases.wallNanos(CopyPhases.Phase.WRITE)).isPositive();
        assertThat(phases.wallNanos(CopyPhases.Phase.FORCE)).isPositive();
        assertThat(phases.wallNanos(CopyPhases.Phase.CHECKPOINT)).isPositive();
        for (CopyPhases.Phase phase : CopyPhases.Phase.values()) {
            assertThat(phases.wallNanos(phase)).as(phase.key()).isGreaterThanOrEqualTo(0);
        }
        assertThat(phases.processCpuNanos()).isGreaterThanOrEqualTo(phases.cpuNanos(CopyPhases.Phase.HASH));
    }

    /** Checkpoints of a target that was deleted since are stale: the copy starts over instead of trusting them. */
    @Test
    void startsOverWhenTheCheckpointedTargetWasDeleted() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 6 * CHUNK, 21);
        Path dst = dir.resolve("dst.img");
        copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL);
        Files.delete(dst);

        CopyResult again = copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL);

        assertThat(again.bytesSkippedCheckpoint()).isZero();
        assertThat(again.bytesWritten()).isEqualTo(6 * CHUNK);
        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
    }

    /** Without checkpoints, resume by compare skips chunks the target already holds and writes only the others. */
    @Test
    void resumeByCompareWritesOnlyTheChunksThatDiffer() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 16 * CHUNK, 9);
        Path dst = dir.resolve("moved.img");
        Files.copy(src, dst);
        TestDisks.writeRandom(dst, 3 * CHUNK + 100, 10, 10);
        TestDisks.writeRandom(dst, 9 * CHUNK, CHUNK, 11);

        CopyResult result = copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL.withResumeByCompare(true));

        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
        assertThat(result.bytesSkippedCheckpoint()).isZero();
        assertThat(result.bytesSkippedCompare()).isEqualTo(14 * CHUNK);
        assertThat(result.bytesWritten()).isEqualTo(2 * CHUNK);
    }

    /** Verify reads the target back: a corrupted chunk fails the copy, loses its checkpoint, and a rerun repairs it. */
    @Test
    void verifyFindsACorruptedChunkAndARerunRewritesIt() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 8 * CHUNK, 12);
        Path dst = dir.resolve("dst.img");
        copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL);
        TestDisks.writeRandom(dst, 5 * CHUNK + 7, 1, 13);

        assertThatThrownBy(() -> copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL.withVerify(true)))
                .isInstanceOfSatisfying(CopyException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CopyException.Kind.VERIFY_MISMATCH);
                    assertThat(e.offset()).isEqualTo(5 * CHUNK);
                    assertThat(e.path()).isEqualTo(dst);
                });

        CopyResult repaired = copy(FileRegion.whole(src), FileRegion.whole(dst), SMALL.withVerify(true));
        assertThat(repaired.verified()).isTrue();
        assertThat(repaired.bytesWritten()).isEqualTo(CHUNK);
        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
    }

    /** Source and target extents that overlap in one file are refused before anything is written. */
    @Test
    void refusesOverlappingExtentsInOneFile() throws Exception {
        Path volume = TestDisks.randomFile(dir.resolve("vol.img"), 16 * CHUNK, 14);
        byte[] before = Files.readAllBytes(volume);

        assertThatThrownBy(() -> copy(new FileRegion(volume, 0, 8 * CHUNK), new FileRegion(volume, 4 * CHUNK,
                FileRegion.TO_END), SMALL))
                .isInstanceOfSatisfying(CopyException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CopyException.Kind.REFUSED);
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains("overlap").contains(String.valueOf(4 * CHUNK));
                });
        assertThat(Files.readAllBytes(volume)).isEqualTo(before);
        // adjacent extents do not overlap
        copy(new FileRegion(volume, 0, 8 * CHUNK), new FileRegion(volume, 8 * CHUNK, FileRegion.TO_END), SMALL);
    }

    /** A source shorter than its declared length is refused with both numbers, and no target is created. */
    @Test
    void refusesASourceShorterThanDeclared() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("short.img"), 4 * CHUNK, 15);
        Path dst = dir.resolve("never.img");

        assertThatThrownBy(() -> copy(new FileRegion(src, CHUNK, 4 * CHUNK), FileRegion.whole(dst), SMALL))
                .isInstanceOfSatisfying(CopyException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CopyException.Kind.REFUSED);
                    assertThat(e.getMessage()).contains("shorter than declared")
                            .contains(String.valueOf(5 * CHUNK)).contains(String.valueOf(4 * CHUNK));
                });
        assertThat(dst).doesNotExist();
    }

    /** A target extent smaller than the source is refused. */
    @Test
    void refusesATargetExtentSmallerThanTheSource() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 4 * CHUNK, 16);
        Path dst = dir.resolve("vol.img");

        assertThatThrownBy(() -> copy(FileRegion.whole(src), new FileRegion(dst, 0, 3 * CHUNK), SMALL))
                .isInstanceOfSatisfying(CopyException.class,
                        e -> assertThat(e.kind()).isEqualTo(CopyException.Kind.REFUSED));
        assertThat(dst).doesNotExist();
    }

    /** A target extent past the end of a block device is refused; one that fits is copied onto the device. */
    @Test
    void refusesATargetPastTheEndOfABlockDeviceAndCopiesOntoOneThatFits() throws Exception {
        Path backing = dir.resolve("dasd.img");
        Files.write(backing, new byte[64 * CHUNK]);
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 16 * CHUNK, 17);
        try (TestDisks.LoopDevice loop = new TestDisks.LoopDevice(backing)) {
            assertThatThrownBy(() -> copy(FileRegion.whole(src), new FileRegion(loop.device, 50 * CHUNK,
                    FileRegion.TO_END), SMALL))
                    .isInstanceOfSatisfying(CopyException.class, e -> {
                        assertThat(e.kind()).isEqualTo(CopyException.Kind.REFUSED);
                        assertThat(e.getMessage()).contains("past the end of block device")
                                .contains(String.valueOf(64 * CHUNK));
                    });

            CopyResult result = copy(FileRegion.whole(src), new FileRegion(loop.device, 48 * CHUNK, FileRegion.TO_END),
                    SMALL);

            assertThat(result.bytesWritten()).isEqualTo(16 * CHUNK);
            assertThat(TestDisks.diskDigest(loop.device, 48 * CHUNK, 16 * CHUNK, CHUNK)).isEqualTo(result.digest());
        }
    }

    /** Cancel stops issuing chunks, checkpoints what is durable, and the next run starts from there. */
    @Test
    void cancelCheckpointsWhatIsDurableAndTheNextRunResumesThere() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 256 * CHUNK, 18);
        Path dst = dir.resolve("dst.img");
        CopyOptions options = SMALL.withMaxInFlight(1).withForceBytes(CHUNK);
        CopyCancellation cancellation = new CopyCancellation();

        CopyResult cancelled = engine.copyAndWait(new CopyPlan(FileRegion.whole(src), FileRegion.whole(dst), options,
                null), progress -> cancellation.cancel(), cancellation);

        assertThat(cancelled.outcome()).isEqualTo(CopyOutcome.CANCELLED);
        assertThat(cancelled.digest()).isNull();
        assertThat(cancelled.bytesWritten()).isBetween((long) CHUNK, 128L * CHUNK);
        CopyResult resumed = copy(FileRegion.whole(src), FileRegion.whole(dst), options);
        assertThat(resumed.bytesSkippedCheckpoint()).isEqualTo(cancelled.bytesWritten());
        assertThat(resumed.bytesWritten()).isEqualTo(256L * CHUNK - cancelled.bytesWritten());
        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
    }

    /** A source truncated during the copy fails it with SOURCE_CHANGED at the offset where it ended. */
    @Test
    void sourceTruncatedDuringTheCopyFailsWithSourceChanged() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 64 * CHUNK, 19);
        Path dst = dir.resolve("dst.img");
        CopyOptions options = SMALL.withMaxInFlight(1).withForceBytes(CHUNK);
        CopyListener truncateOnFirstProgress = progress -> {
            try (var file = new java.io.RandomAccessFile(src.toFile(), "rw")) {
                file.setLength(8L * CHUNK);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        };

        assertThatThrownBy(() -> engine.copyAndWait(new CopyPlan(FileRegion.whole(src), FileRegion.whole(dst), options,
                null), truncateOnFirstProgress, CopyCancellation.none()))
                .isInstanceOfSatisfying(CopyException.class, e -> {
                    assertThat(e.kind()).isEqualTo(CopyException.Kind.SOURCE_CHANGED);
                    assertThat(e.path()).isEqualTo(src);
                    assertThat(e.offset()).isEqualTo(8L * CHUNK);
                });
    }

    /** Many copies at once share one engine and one checkpoint store, each correct and separately checkpointed. */
    @Test
    void concurrentCopiesShareOneStore() throws Exception {
        List<CompletableFuture<CopyResult>> copies = new ArrayList<>();
        List<Path[]> pairs = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Path src = TestDisks.randomFile(dir.resolve("src" + i + ".img"), (20 + i) * CHUNK + i + 1, 100 + i);
            Path dst = dir.resolve("dst" + i + ".img");
            pairs.add(new Path[] {src, dst});
            copies.add(engine.copy(new CopyPlan(FileRegion.whole(src), FileRegion.whole(dst), SMALL, null),
                    CopyListener.NONE, CopyCancellation.none()));
        }
        for (int i = 0; i < copies.size(); i++) {
            CopyResult result = copies.get(i).get(30, TimeUnit.SECONDS);
            assertThat(Files.mismatch(pairs.get(i)[0], pairs.get(i)[1])).isEqualTo(-1);
            assertThat(store.load(result.copyId()).orElseThrow().chunkDigests().keySet()).hasSize(20 + i + 1);
        }
    }

    /** Progress comes a few times a second at most, never goes back, and ends at the total. */
    @Test
    void progressIsRateLimitedMonotonicAndEndsAtTheTotal() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("src.img"), 128 * CHUNK, 20);
        List<CopyProgress> reports = java.util.Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();

        engine.copyAndWait(new CopyPlan(FileRegion.whole(src), FileRegion.whole(dir.resolve("dst.img")),
                SMALL.withForceBytes(CHUNK), null), reports::add, CopyCancellation.none());

        double seconds = (System.nanoTime() - start) / 1e9;
        assertThat(reports.size()).isLessThanOrEqualTo((int) (seconds * 4) + 2);
        for (int i = 1; i < reports.size(); i++) {
            assertThat(reports.get(i).bytesDone()).isGreaterThanOrEqualTo(reports.get(i - 1).bytesDone());
        }
        assertThat(reports.get(reports.size() - 1).bytesDone()).isEqualTo(128L * CHUNK);
    }
}
