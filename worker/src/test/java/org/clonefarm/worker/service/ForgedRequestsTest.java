package org.clonefarm.worker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.DeadLetter;
import org.clonefarm.proto.DiskExtent;
import org.clonefarm.testsupport.CloneBatchFixture;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.clonefarm.worker.copy.CopyOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A hostile writer of the requests topic cannot make a worker write: requests that are unsigned, signed
 * with another key, for a clone never planned, for an attempt never requested, or whose sources or
 * targets are not the planned minidisks are dead-lettered with their reason and told as
 * {@code RequestRejected}; no byte of any volume changes; the coordinator's real requests are copied after.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class ForgedRequestsTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
    private static final long MIB = 1024 * 1024;

    @TempDir
    Path data;
    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    @Test
    void forgedRequestsAreDeadLetteredWithTheirReasonAndWriteNoByte() throws Exception {
        TopicLayout topics = TopicLayout.builder().prefix("forged.").requestPartitions(2).eventPartitions(2).build();
        KafkaSettings kafka = KafkaSettings.of(KAFKA.bootstrapServers());
        try (Admin admin = KAFKA.broker().admin()) {
            topics.ensure(admin, 30_000);
        }
        FarmKey farmKey = FarmKey.loadOrCreate(FarmKey.defaultFile(data));
        CloneBatchFixture batch = CloneBatchFixture.create(data, "real", 2, new long[] {2 * MIB, MIB}, 7);
        Map<String, String> volumesBefore = digests(data.resolve("volumes"));
        CloneRequest first = batch.request(0, 1);
        CloneRequest second = batch.request(1, 1);

        // a stranger's "plan" of a clone the directory does not have, for the signed-but-unplanned-disk case
        CloneRequest evil = first.toBuilder().setUserid("EVIL001").setRequestId("evil")
                .setDisks(0, retarget(first.getDisks(0), "EVIL001", 0)).setDisks(1, retarget(first.getDisks(1), "EVIL001",
                        first.getDisks(1).getTarget().getByteOffset())).build();
        CloneEvent evilPlanned = CloneEvent.newBuilder().setEventId("forged-plan").setBatchId("real").setUserid("EVIL001")
                .setAttempt(1).setProducerId("intruder").setClonePlanned(ClonePlanned.newBuilder()
                        .addAllDisks(evil.getDisksList())).build();

        List<ProducerRecord<String, byte[]>> forged = new ArrayList<>();
        // 1. never planned, not signed, overwriting LNX0001's root
        forged.add(new ProducerRecord<>(topics.cloneRequests(), "EVIL001", ContractCodec.encode(evil)));
        // 2. a planned clone's own request, signed with another key
        forged.add(EventPublisher.signedRequest(topics, first, FarmKey.of(new byte[FarmKey.LENGTH])));
        // 3. signed with the farm key (it leaked), but the clone was never planned by the coordinator
        forged.add(EventPublisher.signedRequest(topics, evil.toBuilder().setBatchId("other").build(), farmKey));
        // 4. signed, planned clone, an attempt nobody requested
        forged.add(EventPublisher.signedRequest(topics, first.toBuilder().setAttempt(2).build(), farmKey));
        // 5. signed, planned clone, its target moved onto the other clone's root
        forged.add(EventPublisher.signedRequest(topics, second.toBuilder()
                .setDisks(0, second.getDisks(0).toBuilder().setTarget(first.getDisks(0).getTarget())).build(), farmKey));
        // 6. signed, planned clone, its source is the other clone rather than the master
        forged.add(EventPublisher.signedRequest(topics, second.toBuilder()
                .setDisks(0, second.getDisks(0).toBuilder().setSource(first.getDisks(0).getTarget())).build(), farmKey));
        // 7. signed, with a forged plan on the events topic, for minidisks the CP directory does not have
        forged.add(EventPublisher.signedRequest(topics, evil, farmKey));
        // 8. a real signed request whose value was changed after signing (another byte offset)
        ProducerRecord<String, byte[]> tampered = EventPublisher.signedRequest(topics, first, farmKey);
        forged.add(new ProducerRecord<>(topics.cloneRequests(), null, tampered.key(), ContractCodec.encode(
                first.toBuilder().setDisks(0, retarget(first.getDisks(0), "LNX0001", 20 * MIB)).build()),
                tampered.headers()));

        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("intruder"))) {
            batch.publishPlan(producer, topics.events());
            producer.send(new ProducerRecord<>(topics.events(), "EVIL001", evilPlanned.toByteArray())).get();
            for (ProducerRecord<String, byte[]> record : forged) {
                producer.send(record).get();
            }
        }
        WorkerService worker = WorkerService.start(WorkerConfig.of("w1", data, kafka, topics, -1)
                .withGroupId("forged-workers").withCopyOptions(CopyOptions.defaults().withChunkSize((int) MIB)));
        open.add(worker);

        await().atMost(Duration.ofSeconds(40)).until(() -> deadLetters(topics).size() >= forged.size());
        List<DeadLetter> letters = deadLetters(topics);
        assertThat(letters).extracting(DeadLetter::getReason).hasSize(8).satisfiesExactlyInAnyOrder(
                r -> assertThat(r).contains("EVIL001").contains("carries no clonefarm-signature header"),
                r -> assertThat(r).contains("LNX0001 attempt 1").contains("signature does not match the farm key"),
                r -> assertThat(r).contains("never planned EVIL001 in batch other"),
                r -> assertThat(r).contains("never requested attempt 2"),
                r -> assertThat(r).contains("LNX0002").contains("disks differ from the planned ones"),
                r -> assertThat(r).contains("LNX0002").contains("disks differ from the planned ones"),
                r -> assertThat(r).contains("EVIL001 has no minidisk 0201 on a volume in the CP directory"),
                r -> assertThat(r).contains("LNX0001 attempt 1").contains("signature does not match the farm key"));
        assertThat(letters).allSatisfy(l -> assertThat(l.getTopic()).isEqualTo(topics.cloneRequests()));
        await().atMost(Duration.ofSeconds(10)).until(() -> facts(topics, FactCase.REQUEST_REJECTED).size() == 8);
        assertThat(facts(topics, FactCase.REQUEST_REJECTED)).allSatisfy(e -> {
            assertThat(e.getRequestRejected().getWorkerId()).isEqualTo("w1");
            assertThat(e.getRequestRejected().getReason()).contains("is refused");
        });
        assertThat(facts(topics, FactCase.COPY_STARTED)).as("nothing was copied").isEmpty();
        assertThat(digests(data.resolve("volumes"))).as("every volume byte for byte, and no new volume")
                .isEqualTo(volumesBefore);
        assertThat(worker.registry().get("clonefarm.worker.requests.rejected").counter().count()).isEqualTo(8.0);

        // the farm keeps serving: the coordinator's own requests are copied
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("coordinator"))) {
            for (CloneRequest request : batch.requests()) {
                producer.send(EventPublisher.signedRequest(topics, request, farmKey)).get();
            }
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> facts(topics, FactCase.CLONE_COPIED).size() == 2);
        assertThat(batch.mismatchedDisks()).isEmpty();
    }

    /** A worker without the farm key does not start: it could check no request. */
    @Test
    void workerWithoutTheFarmKeyRefusesToStart() {
        WorkerConfig config = WorkerConfig.of("w1", data, KafkaSettings.of(KAFKA.bootstrapServers()),
                TopicLayout.builder().prefix("nokey.").build(), -1);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> open.add(WorkerService.start(config)))
                .isInstanceOf(WorkerStartException.class)
                .hasMessageContaining("cannot check clone requests: no farm key at " + FarmKey.defaultFile(data));
    }

    private static CloneDisk retarget(CloneDisk disk, String owner, long byteOffset) {
        DiskExtent target = disk.getTarget().toBuilder().setOwner(owner).setByteOffset(byteOffset)
                .setStart(byteOffset / 512).build();
        return disk.toBuilder().setTarget(target).build();
    }

    private static List<CloneEvent> facts(TopicLayout topics, FactCase fact) {
        return TopicSnapshot.events(KafkaSettings.of(KAFKA.bootstrapServers()), topics.events(), "events-reader",
                Duration.ofSeconds(30)).stream().filter(e -> e.getFactCase() == fact).toList();
    }

    private static List<DeadLetter> deadLetters(TopicLayout topics) {
        List<DeadLetter> letters = new ArrayList<>();
        TopicSnapshot.read(KafkaSettings.of(KAFKA.bootstrapServers()), topics.deadLetters(), "dlq-reader",
                Duration.ofSeconds(30), r -> letters.add(ContractCodec.decodeDeadLetter(r.value(), "dlq")));
        return letters;
    }

    /** SHA-256 of every file under {@code directory}, by name. */
    private static Map<String, String> digests(Path directory) throws IOException {
        Map<String, String> digests = new TreeMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.toList()) {
                try (InputStream in = Files.newInputStream(file)) {
                    MessageDigest sha = MessageDigest.getInstance("SHA-256");
                    byte[] buffer = new byte[1 << 16];
                    for (int n; (n = in.read(buffer)) > 0; ) {
                        sha.update(buffer, 0, n);
                    }
                    digests.put(file.getFileName().toString(), HexFormat.of().formatHex(sha.digest()));
                } catch (java.security.NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return digests;
    }
}
