package org.clonefarm.worker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.DeadLetter;
import org.clonefarm.testsupport.CloneBatchFixture;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.clonefarm.worker.copy.CopyOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** One worker in process against a real broker: what it publishes, commits and serves. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerServiceTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
    private static final AtomicInteger RUN = new AtomicInteger();
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path data;
    private final List<AutoCloseable> open = new ArrayList<>();
    private TopicLayout topics;
    private KafkaSettings kafka;
    private String group;
    private FarmKey farmKey;

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    private CloneBatchFixture setUp(int clones) throws Exception {
        return setUp(clones, new long[] {3 * MIB, 2 * MIB + 12_288});
    }

    private CloneBatchFixture setUp(int clones, long[] diskSizes) throws Exception {
        int run = RUN.incrementAndGet();
        topics = TopicLayout.builder().prefix("ws" + run + ".").requestPartitions(4).eventPartitions(4).build();
        kafka = KafkaSettings.of(KAFKA.bootstrapServers());
        group = "workers-" + run;
        try (Admin admin = KAFKA.broker().admin()) {
            topics.ensure(admin, 30_000);
        }
        farmKey = FarmKey.loadOrCreate(FarmKey.defaultFile(data));
        CloneBatchFixture batch = CloneBatchFixture.create(data, "batch-" + run, clones, diskSizes, run);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("coordinator-test"))) {
            batch.publishPlan(producer, topics.events());
        }
        return batch;
    }

    private WorkerService startWorker(String id, int httpPort) {
        WorkerService worker = WorkerService.start(WorkerConfig.of(id, data, kafka, topics, httpPort).withGroupId(group)
                .withMaxClones(2).withCopyOptions(CopyOptions.defaults().withChunkSize((int) MIB)));
        open.add(worker);
        return worker;
    }

    private void send(String key, byte[] value) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("test"))) {
            producer.send(new ProducerRecord<>(topics.cloneRequests(), key, value)).get();
        }
    }

    /** Sends a request as the coordinator does: signed with the farm key. */
    private void send(CloneRequest request) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("test"))) {
            producer.send(EventPublisher.signedRequest(topics, request, farmKey)).get();
        }
    }

    private List<CloneEvent> events() {
        return TopicSnapshot.events(kafka, topics.events(), "events-reader", Duration.ofSeconds(30));
    }

    private List<DeadLetter> deadLetters() {
        List<DeadLetter> letters = new ArrayList<>();
        TopicSnapshot.read(kafka, topics.deadLetters(), "dlq-reader", Duration.ofSeconds(30),
                r -> letters.add(ContractCodec.decodeDeadLetter(r.value(), "dlq")));
        return letters;
    }

    private static List<CloneEvent> facts(List<CloneEvent> events, FactCase fact) {
        return events.stream().filter(e -> e.getFactCase() == fact).collect(Collectors.toList());
    }

    private void awaitCommittedToTheEnd() {
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            try (Admin admin = KAFKA.broker().admin()) {
                Map<TopicPartition, OffsetAndMetadata> committed =
                        admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get();
                Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
                for (int p = 0; p < 4; p++) {
                    latest.put(new TopicPartition(topics.cloneRequests(), p), OffsetSpec.latest());
                }
                admin.listOffsets(latest).all().get().forEach((partition, end) -> {
                    long at = committed.containsKey(partition) ? committed.get(partition).offset() : 0;
                    assertThat(at).as("committed offset of %s", partition).isEqualTo(end.offset());
                });
            }
        });
    }

    /** A record that is no CloneRequest goes to the DLQ with its bytes and the reason; the rest is copied. */
    @Test
    void poisonRecordGoesToTheDeadLetterTopicAndTheBatchCompletes() throws Exception {
        CloneBatchFixture batch = setUp(5);
        byte[] poison = {0x0A, (byte) 0xFF, 0x01};
        for (CloneRequest request : batch.requests()) {
            send(request);
            if (request.getUserid().equals(CloneBatchFixture.userid(2))) {
                send(request.getUserid(), poison);
            }
        }
        startWorker("w1", -1);

        await().atMost(Duration.ofSeconds(40)).until(() -> facts(events(), FactCase.CLONE_COPIED).size() >= 5);
        assertThat(batch.mismatchedDisks()).isEmpty();
        List<CloneEvent> events = events().stream().filter(e -> e.getFactCase() != FactCase.BATCH_PLANNED
                && e.getFactCase() != FactCase.CLONE_PLANNED).toList(); // the worker's: all but the coordinator's plan
        assertThat(facts(events, FactCase.COPY_FAILED)).isEmpty();
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getBatchId()).isEqualTo(batch.batchId());
            assertThat(e.getAttempt()).isEqualTo(1);
            assertThat(e.getProducerId()).isEqualTo("w1");
        });

        await().atMost(Duration.ofSeconds(10)).until(() -> !deadLetters().isEmpty());
        List<DeadLetter> letters = deadLetters();
        assertThat(letters).hasSize(1);
        assertThat(letters.get(0).getValue().toByteArray()).isEqualTo(poison);
        assertThat(letters.get(0).getReason()).contains("is not a CloneRequest");
        assertThat(letters.get(0).getTopic()).isEqualTo(topics.cloneRequests());
        awaitCommittedToTheEnd();
    }

    /** Two deliveries at once copy once; a third after the copy was committed copies nothing and says nothing. */
    @Test
    void requestDeliveredAgainIsNeverCopiedTwice() throws Exception {
        CloneBatchFixture batch = setUp(1);
        CloneRequest request = batch.request(0, 1);
        send(request);
        send(request);
        WorkerService worker = startWorker("w1", -1);
        awaitCommittedToTheEnd();
        List<CloneEvent> first = events();
        long total = batch.diskSize(0) + batch.diskSize(1);
        assertThat(facts(first, FactCase.DISK_COPIED).stream().mapToLong(e -> e.getDiskCopied().getBytesWritten()).sum())
                .as("bytes written for two deliveries").isEqualTo(total);
        assertThat(facts(first, FactCase.CLONE_COPIED)).hasSize(1);
        assertThat(worker.registry().get("clonefarm.worker.bytes.written").counter().count()).isEqualTo(total);

        send(request);
        awaitCommittedToTheEnd();
        assertThat(worker.registry().get("clonefarm.worker.clones").tag("outcome", "already_finished").counter().count())
                .isEqualTo(1.0);
        assertThat(events()).as("events after the third delivery").hasSameSizeAs(first);
        assertThat(worker.registry().get("clonefarm.worker.bytes.written").counter().count()).isEqualTo(total);
        assertThat(batch.mismatchedDisks()).isEmpty();
    }

    /**
     * The redelivery race: a clone copied by a worker that died before committing, then booted (its root
     * changed), is delivered to another worker without that worker's checkpoints; it must not copy the
     * master's bytes back over the booted clone.
     */
    @Test
    void cloneCopiedElsewhereAndBootedIsNotOverwrittenByARedelivery() throws Exception {
        CloneBatchFixture batch = setUp(2);
        for (CloneRequest request : batch.requests()) {
            send(request);
        }
        startWorker("w1", -1);
        awaitCommittedToTheEnd();
        assertThat(batch.mismatchedDisks()).isEmpty();
        byte[] booted = "hostname linux000 written by the agent at first boot".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        try (java.nio.channels.FileChannel target = java.nio.channels.FileChannel.open(
                batch.volume(CloneBatchFixture.TARGET_VOLSER), java.nio.file.StandardOpenOption.WRITE)) {
            target.write(java.nio.ByteBuffer.wrap(booted), batch.targetOffset(0, 0) + 4096);
        }
        int eventsBefore = events().size();

        group = group + "-redelivered"; // a group that never committed: every request comes again
        WorkerService other = startWorker("w2", -1);
        awaitCommittedToTheEnd();
        assertThat(other.registry().get("clonefarm.worker.clones").tag("outcome", "already_finished").counter().count())
                .isEqualTo(2.0);
        assertThat(other.registry().get("clonefarm.worker.bytes.written").counter().count()).isZero();
        assertThat(batch.mismatchedDisks()).as("only the booted clone's root differs from the master")
                .containsExactly(CloneBatchFixture.userid(0) + "/" + CloneBatchFixture.vaddr(0));
        assertThat(events()).as("w2 published nothing").hasSize(eventsBefore);
    }

    /** A copy running here stops, and its request is committed, when the coordinator starts the guest meanwhile. */
    @Test
    void runningCopyStopsWhenAnotherProducerEndsItsAttempt() throws Exception {
        CloneBatchFixture batch = setUp(1, new long[] {128 * MIB, MIB});
        CloneRequest request = batch.request(0, 1);
        send(request);
        // slow on purpose (thousands of fdatasyncs): 64 KiB chunks, one in flight, a force and a synced checkpoint after each
        WorkerService worker = WorkerService.start(WorkerConfig.of("w1", data, kafka, topics, -1).withGroupId(group)
                .withCopyOptions(CopyOptions.defaults().withChunkSize(64 * 1024).withMaxInFlight(1)
                        .withForceBytes(64 * 1024)));
        open.add(worker);
        await().atMost(Duration.ofSeconds(20)).until(() -> !facts(events(), FactCase.COPY_STARTED).isEmpty());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("coordinator-test"))) {
            CloneEvent started = new org.clonefarm.messaging.EventFactory("coordinator-test")
                    .newEvent(batch.batchId(), request.getUserid(), 1)
                    .setGuestStartRequested(org.clonefarm.proto.GuestStartRequested.getDefaultInstance()).build();
            producer.send(new ProducerRecord<>(topics.events(), request.getUserid(), ContractCodec.encode(started))).get();
        }
        awaitCommittedToTheEnd();
        assertThat(worker.registry().get("clonefarm.worker.clones").tag("outcome", "superseded").counter().count())
                .isEqualTo(1.0);
        assertThat(facts(events(), FactCase.CLONE_COPIED)).as("the stopped copy claims nothing").isEmpty();
        assertThat(worker.registry().get("clonefarm.worker.bytes.written").counter().count())
                .as("bytes written before the stop").isLessThan((double) (batch.diskSize(0) + batch.diskSize(1)));
    }

    /** A disk whose bytes are missing gives one CopyFailed naming disk and file, and the request is committed. */
    @Test
    void missingSourceVolumeIsPublishedAsCopyFailedAndCommitted() throws Exception {
        CloneBatchFixture batch = setUp(1);
        Path master = batch.volume(CloneBatchFixture.SOURCE_VOLSER);
        Files.move(master, master.resolveSibling("moved-away.img"));
        send(batch.request(0, 1));
        startWorker("w1", -1);

        await().atMost(Duration.ofSeconds(20)).until(() -> !facts(events(), FactCase.COPY_FAILED).isEmpty());
        awaitCommittedToTheEnd();
        List<CloneEvent> events = events();
        assertThat(facts(events, FactCase.CLONE_COPIED)).isEmpty();
        assertThat(facts(events, FactCase.COPY_FAILED)).singleElement().satisfies(e -> {
            assertThat(e.getCopyFailed().getVaddr()).isEqualTo("0201");
            assertThat(e.getCopyFailed().getReason()).contains(CloneBatchFixture.SOURCE_VOLSER + ".img");
            assertThat(e.getCopyFailed().getWorkerId()).isEqualTo("w1");
            assertThat(e.getUserid()).isEqualTo(CloneBatchFixture.userid(0));
        });
    }

    /** /health says UP, /metrics shows the bytes copied, and the copy rate lands in DATA/stats/copy-rate. */
    @Test
    void servesHealthAndMetricsAndRecordsTheCopyRate() throws Exception {
        CloneBatchFixture batch = setUp(2);
        for (CloneRequest request : batch.requests()) {
            send(request);
        }
        WorkerService worker = startWorker("w1", 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> facts(events(), FactCase.CLONE_COPIED).size() >= 2);

        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + worker.httpPort();
        HttpResponse<String> health = http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("UP");
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        long total = 2 * (batch.diskSize(0) + batch.diskSize(1));
        assertThat(metrics.body()).contains("clonefarm_worker_bytes_written_bytes_total{worker=\"w1\"} " + (double) total)
                .contains("clonefarm_worker_clones_total{outcome=\"copied\",worker=\"w1\"} 2.0")
                .contains("clonefarm_worker_requests_in_flight")
                .contains("clonefarm_worker_checkpoint_commit_seconds_count{worker=\"w1\"}")
                .contains("clonefarm_worker_consumer_lag_records");
        Path rate = data.resolve("stats").resolve("copy-rate");
        assertThat(Double.parseDouble(Files.readString(rate).trim())).isPositive();
    }
}
