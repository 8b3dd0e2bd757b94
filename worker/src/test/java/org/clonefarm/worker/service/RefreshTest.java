package org.clonefarm.worker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.proto.RetryRequested;
import org.clonefarm.testsupport.CloneBatchFixture;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.clonefarm.worker.copy.CopyOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A refresh against a real broker, real RocksDB and real volume images: after the master changed, a
 * refresh writes only the chunks the master or the clone changed and leaves every clone equal to the
 * master as it is now; a second refresh without a master change writes nothing and leaves the clone's
 * own changes; a refresh the coordinator did not ask for is refused.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RefreshTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
    private static final AtomicInteger RUN = new AtomicInteger();
    private static final int MIB = 1024 * 1024;

    @TempDir
    Path data;
    private final List<AutoCloseable> open = new ArrayList<>();
    private TopicLayout topics;
    private KafkaSettings kafka;
    private FarmKey farmKey;
    private CloneBatchFixture batch;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private void setUp() throws Exception {
        int run = RUN.incrementAndGet();
        topics = TopicLayout.builder().prefix("rf" + run + ".").requestPartitions(2).eventPartitions(2).build();
        kafka = KafkaSettings.of(KAFKA.bootstrapServers());
        try (Admin admin = KAFKA.broker().admin()) {
            topics.ensure(admin, 30_000);
        }
        farmKey = FarmKey.loadOrCreate(FarmKey.defaultFile(data));
        batch = CloneBatchFixture.create(data, "refresh-" + run, 2, new long[] {8L * MIB, 4L * MIB}, run);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("coordinator-test"))) {
            batch.publishPlan(producer, topics.events());
        }
        WorkerService worker = WorkerService.start(WorkerConfig.of("w1", data, kafka, topics, -1)
                .withGroupId("workers-" + run).withMaxClones(2).withCopyOptions(CopyOptions.defaults().withChunkSize(MIB)));
        open.add(worker);
    }

    /** Publishes the coordinator's RetryRequested of a refresh (or of a retry), then the signed request. */
    private void request(int clone, int attempt, String masterVersion, boolean refreshEvent, boolean refreshRequest)
            throws Exception {
        CloneEvent retry = batch.retryRequested(clone, attempt).toBuilder()
                .setRetryRequested(RetryRequested.newBuilder().setNextAttempt(attempt).setRefresh(refreshEvent)
                        .setMasterVersion(refreshEvent ? masterVersion : "")).build();
        CloneRequest request = batch.request(clone, attempt).toBuilder().setRefresh(refreshRequest)
                .setMasterVersion(refreshRequest ? masterVersion : "").build();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("test"))) {
            producer.send(new ProducerRecord<>(topics.events(), retry.getUserid(), retry.toByteArray())).get();
            producer.send(EventPublisher.signedRequest(topics, request, farmKey)).get();
        }
    }

    private List<CloneEvent> events() {
        return TopicSnapshot.events(kafka, topics.events(), "events-reader", Duration.ofSeconds(30));
    }

    private List<CloneEvent> facts(FactCase fact, int attempt) {
        return events().stream().filter(e -> e.getFactCase() == fact && e.getAttempt() == attempt).toList();
    }

    private DiskCopied diskCopied(int clone, int disk, int attempt) {
        return facts(FactCase.DISK_COPIED, attempt).stream()
                .filter(e -> e.getUserid().equals(CloneBatchFixture.userid(clone)))
                .map(CloneEvent::getDiskCopied)
                .filter(d -> d.getVaddr().equals(CloneBatchFixture.vaddr(disk))).findFirst().orElseThrow();
    }

    /** Overwrites {@code length} bytes at {@code offset} of a volume with random bytes. */
    private static void scribble(Path volume, long offset, int length, long seed) throws IOException {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        try (FileChannel out = FileChannel.open(volume, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(bytes);
            while (buffer.hasRemaining()) {
                out.write(buffer, offset + buffer.position());
            }
            out.force(true);
        }
    }

    private static byte[] read(Path volume, long offset, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        try (FileChannel in = FileChannel.open(volume, StandardOpenOption.READ)) {
            while (buffer.hasRemaining() && in.read(buffer, offset + buffer.position()) >= 0) {
                // read on
            }
        }
        return buffer.array();
    }

    /** The whole story: copy, change master and clone, refresh, refresh again without a change, forged refresh. */
    @Test
    void refreshWritesOnlyWhatChangedAndASecondRefreshWithoutAMasterChangeWritesNothing() throws Exception {
        setUp();
        for (int clone = 0; clone < 2; clone++) {
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("test"))) {
                producer.send(EventPublisher.signedRequest(topics, batch.request(clone, 1), farmKey)).get();
            }
        }
        await().atMost(Duration.ofSeconds(40)).until(() -> facts(FactCase.CLONE_COPIED, 1).size() == 2);
        assertThat(batch.mismatchedDisks()).isEmpty();

        Path master = batch.volume(CloneBatchFixture.SOURCE_VOLSER);
        Path clones = batch.volume(CloneBatchFixture.TARGET_VOLSER);
        // the master changes chunk 3 of disk 0 (and only a part of it); clone 0 changed chunk 5 of disk 0 and
        // chunk 1 of disk 1 itself (its finalize)
        scribble(master, batch.sourceOffset(0) + 3L * MIB + 4096, 8192, 1);
        scribble(clones, batch.targetOffset(0, 0) + 5L * MIB, 4096, 2);
        scribble(clones, batch.targetOffset(0, 1) + 1L * MIB + 512, 100, 3);

        request(0, 2, "v1", true, true);
        request(1, 2, "v1", true, true);
        await().atMost(Duration.ofSeconds(40)).until(() -> facts(FactCase.CLONE_COPIED, 2).size() == 2);
        assertThat(facts(FactCase.COPY_FAILED, 2)).isEmpty();
        assertThat(batch.mismatchedDisks()).as("every clone is the master as it is now").isEmpty();
        // clone 0: the master's chunk and its own on disk 0, its own on disk 1
        assertThat(diskCopied(0, 0, 2).getMethod()).isEqualTo("refreshed");
        assertThat(diskCopied(0, 0, 2).getChunksRewritten()).isEqualTo(2);
        assertThat(diskCopied(0, 0, 2).getBytesWritten()).isEqualTo(2L * MIB);
        assertThat(diskCopied(0, 1, 2).getChunksRewritten()).isEqualTo(1);
        assertThat(diskCopied(0, 1, 2).getBytesWritten()).isEqualTo(MIB);
        // clone 1: only the master's chunk
        assertThat(diskCopied(1, 0, 2).getBytesWritten()).isEqualTo(MIB);
        assertThat(diskCopied(1, 1, 2).getBytesWritten()).isZero();
        assertThat(facts(FactCase.CLONE_COPIED, 2)).noneMatch(e -> e.getCloneCopied().getUnchanged());

        // the clone runs again and changes itself; the master does not change: a second refresh writes nothing
        scribble(clones, batch.targetOffset(1, 0) + 2L * MIB, 4096, 4);
        byte[] cloneOwn = read(clones, batch.targetOffset(1, 0) + 2L * MIB, 4096);
        request(0, 3, "v2", true, true);
        request(1, 3, "v2", true, true);
        await().atMost(Duration.ofSeconds(40)).until(() -> facts(FactCase.CLONE_COPIED, 3).size() == 2);
        assertThat(facts(FactCase.CLONE_COPIED, 3)).allMatch(e -> e.getCloneCopied().getUnchanged());
        for (int clone = 0; clone < 2; clone++) {
            for (int disk = 0; disk < 2; disk++) {
                assertThat(diskCopied(clone, disk, 3).getMethod()).isEqualTo("unchanged");
                assertThat(diskCopied(clone, disk, 3).getBytesWritten()).isZero();
                assertThat(diskCopied(clone, disk, 3).getDigest()).isEqualTo(diskCopied(clone, disk, 2).getDigest());
            }
        }
        assertThat(read(clones, batch.targetOffset(1, 0) + 2L * MIB, 4096)).as("the clone's own change is kept")
                .isEqualTo(cloneOwn);

        // a request that says refresh for an attempt the coordinator asked to retry (not refresh) copies nothing
        request(0, 4, "v3", false, true);
        await().atMost(Duration.ofSeconds(30)).until(() -> !facts(FactCase.REQUEST_REJECTED, 4).isEmpty());
        assertThat(facts(FactCase.REQUEST_REJECTED, 4).get(0).getRequestRejected().getReason())
                .contains("a refresh to master version 'v3'").contains("no refresh");
        assertThat(facts(FactCase.COPY_STARTED, 4)).isEmpty();
    }
}
