package org.clonefarm.worker.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.messaging.CloneKey;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.testsupport.CloneBatchFixture;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.clonefarm.worker.copy.CopyOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * After copying a clone's /var the worker seeds the clone's own key into it: the key file is in the clone's
 * file system with mode 0600, owner root and the key of that clone and attempt, nowhere else on any volume,
 * and a retry seeds the new attempt's key. Read back with e2fsprogs' debugfs, not through the worker's mount.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class CloneKeySeedingTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
    private static final long MIB = 1024 * 1024;
    private static final int VAR = 1;

    @TempDir
    Path data;
    private TopicLayout topics;
    private KafkaSettings kafka;
    private FarmKey farmKey;
    private CloneBatchFixture batch;
    private WorkerService worker;

    @BeforeEach
    void farm() throws Exception {
        topics = TopicLayout.builder().prefix("seed" + System.nanoTime() + ".").requestPartitions(2).eventPartitions(2)
                .build();
        kafka = KafkaSettings.of(KAFKA.bootstrapServers());
        try (Admin admin = KAFKA.broker().admin()) {
            topics.ensure(admin, 30_000);
        }
        farmKey = FarmKey.loadOrCreate(FarmKey.defaultFile(data));
        batch = CloneBatchFixture.create(data, "keys-1", 2, new long[] {2 * MIB, 8 * MIB}, 17).withVarFileSystem(VAR);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("coordinator-test"))) {
            batch.publishPlan(producer, topics.events());
        }
        worker = WorkerService.start(WorkerConfig.of("w1", data, kafka, topics, -1).withGroupId("seed-" + topics.prefix())
                .withCopyOptions(CopyOptions.defaults().withChunkSize((int) MIB)));
    }

    @AfterEach
    void stop() {
        if (worker != null) {
            worker.close();
        }
    }

    private void send(CloneRequest request) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("test"))) {
            producer.send(EventPublisher.signedRequest(topics, request, farmKey)).get();
        }
    }

    private void awaitCopied(String userid, int attempt) {
        await().atMost(Duration.ofSeconds(60)).until(() -> TopicSnapshot.events(kafka, topics.events(), "events-reader",
                Duration.ofSeconds(30)).stream().anyMatch(e -> e.hasCloneCopied() && e.getUserid().equals(userid)
                        && e.getAttempt() == attempt));
    }

    /** Runs {@code debugfs -R REQUEST} on the clone's /var extent of the target volume; returns its output. */
    private String debugfs(int clone, String request) throws IOException, InterruptedException {
        String device = batch.volume(CloneBatchFixture.TARGET_VOLSER) + "?offset=" + batch.targetOffset(clone, VAR);
        Process process = new ProcessBuilder("debugfs", "-R", request, device).redirectErrorStream(false).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return out;
    }

    /** Byte offsets at which {@code needle} occurs in {@code file}. */
    private static List<Long> occurrences(Path file, byte[] needle) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        List<Long> found = new ArrayList<>();
        outer:
        for (int i = 0; i + needle.length <= bytes.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (bytes[i + j] != needle[j]) {
                    continue outer;
                }
            }
            found.add((long) i);
        }
        return found;
    }

    private static byte[] keyLine(CloneKey key) {
        String text = new String(key.toFileBytes(), StandardCharsets.US_ASCII);
        return text.substring(text.indexOf("key=")).getBytes(StandardCharsets.US_ASCII);
    }

    /** Each clone's /var holds its own key, 0600 root:root; no other byte of any volume holds it; nothing stays mounted. */
    @Test
    void copiedVarHoldsTheClonesOwnKeyOwnerOnlyAndNoOtherDiskDoes() throws Exception {
        for (CloneRequest request : batch.requests()) {
            send(request);
        }
        for (int i = 0; i < batch.clones(); i++) {
            awaitCopied(CloneBatchFixture.userid(i), 1);
        }

        for (int i = 0; i < batch.clones(); i++) {
            CloneKey expected = CloneKey.derive(farmKey, CloneBatchFixture.userid(i), batch.batchId(), 1);
            String stat = debugfs(i, "stat /" + CloneLayout.CLONE_KEY_IN_VAR);
            assertThat(stat).contains("Type: regular").containsPattern("Mode: +0600").containsPattern("User: +0 +Group: +0 ");
            assertThat(debugfs(i, "cat /" + CloneLayout.CLONE_KEY_IN_VAR).getBytes(StandardCharsets.US_ASCII))
                    .isEqualTo(expected.toFileBytes());

            List<Long> onTarget = occurrences(batch.volume(CloneBatchFixture.TARGET_VOLSER), keyLine(expected));
            long varStart = batch.targetOffset(i, VAR);
            assertThat(onTarget).isNotEmpty().allSatisfy(offset -> assertThat(offset)
                    .as("the key of %s lies in its own /var extent", expected.userid())
                    .isBetween(varStart, varStart + batch.diskSize(VAR) - 1));
            assertThat(occurrences(batch.volume(CloneBatchFixture.SOURCE_VOLSER), keyLine(expected))).isEmpty();
        }
        assertThat(batch.mismatchedDisks()).as("only the /var targets differ from the master (the key)")
                .containsExactlyInAnyOrder(CloneBatchFixture.userid(0) + "/" + CloneBatchFixture.vaddr(VAR),
                        CloneBatchFixture.userid(1) + "/" + CloneBatchFixture.vaddr(VAR));
        assertThat(Files.readString(Path.of("/proc/mounts"))).doesNotContain(data.toRealPath().toString());
        Process loops = new ProcessBuilder("losetup", "-j", batch.volume(CloneBatchFixture.TARGET_VOLSER).toString()).start();
        assertThat(new String(loops.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isBlank();
    }

    /** A retry's request (attempt 2) replaces the key of attempt 1 with attempt 2's before it reports the copy. */
    @Test
    void retrySeedsTheNewAttemptsKeyOverTheOldOne() throws Exception {
        send(batch.request(0, 1));
        awaitCopied(CloneBatchFixture.userid(0), 1);
        CloneEvent retry = batch.retryRequested(0, 2);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(kafka.producer("coordinator-test"))) {
            producer.send(new ProducerRecord<>(topics.events(), retry.getUserid(), retry.toByteArray())).get();
        }

        send(batch.request(0, 2));
        awaitCopied(CloneBatchFixture.userid(0), 2);

        CloneKey second = CloneKey.derive(farmKey, CloneBatchFixture.userid(0), batch.batchId(), 2);
        assertThat(debugfs(0, "cat /" + CloneLayout.CLONE_KEY_IN_VAR).getBytes(StandardCharsets.US_ASCII))
                .isEqualTo(second.toFileBytes());
        CloneKey first = CloneKey.derive(farmKey, CloneBatchFixture.userid(0), batch.batchId(), 1);
        assertThat(debugfs(0, "cat /" + CloneLayout.CLONE_KEY_IN_VAR)).doesNotContain(new String(keyLine(first),
                StandardCharsets.US_ASCII).strip());
    }
}
