package org.clonefarm.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.clonefarm.coordinator.simulation.SimulationBatchCommandsTest;
import org.clonefarm.coordinator.simulation.TestFarms;
import org.clonefarm.coordinator.orchestration.CpGuestStarter;
import org.clonefarm.coordinator.orchestration.OrchestrationSettings;
import org.clonefarm.messaging.CloneKey;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.GuestEventSignature;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.cp.GuestRuntime;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.DeadLetter;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.proto.Ready;
import org.clonefarm.proto.Rebooting;
import org.clonefarm.proto.RetryRequested;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A guest that writes forged facts straight to the guest-events topic (no ACLs needed here: every record a
 * guest principal could write) changes no clone's state, and each forgery is on the dead-letter topic with its
 * reason: another clone's READY signed with the sender's own key, a worker's DiskCopied and a coordinator's
 * RetryRequested signed with the clone's own key, a signature that is no key's, no signature at all, a record
 * key that is not the event's clone, and an old attempt's key after a retry. The honest guests' facts, signed
 * with their own keys, are relayed and move their clones to READY as before.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ForgedGuestFactsTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
    private static final String BATCH = "forge";

    /** A guest runtime that boots nothing: the test plays the guests. */
    static final class PlayedGuests implements GuestRuntime {
        final Set<String> booted = ConcurrentHashMap.newKeySet();

        @Override
        public void boot(Userid userid, SimulatedCp system) {
            booted.add(userid.value());
        }

        @Override
        public void halt(Userid userid) {
        }
    }

    private KafkaSettings settings;
    private TopicLayout layout;
    private FarmKey farmKey;

    /** An event as the clone's agent builds it. */
    private static CloneEvent.Builder agentEvent(String userid, int attempt) {
        return new EventFactory("agent-" + userid).newEvent(BATCH, userid, attempt);
    }

    /** The record a guest writes: keyed by {@code recordKey}, signed with {@code key} (none when null). */
    private ProducerRecord<String, byte[]> guestRecord(String recordKey, CloneEvent event, CloneKey key) {
        byte[] value = ContractCodec.encode(event);
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(layout.guestEvents(), recordKey, value);
        if (key != null) {
            record.headers().add(GuestEventSignature.header(key, value));
        }
        return record;
    }

    private void send(List<ProducerRecord<String, byte[]>> records) throws Exception {
        try (KafkaProducer<String, byte[]> guest = new KafkaProducer<>(settings.producer("guest-principal"))) {
            for (ProducerRecord<String, byte[]> record : records) {
                guest.send(record).get();
            }
        }
    }

    /** The honest agent's facts of a RW-root clone's first boot and its reboot, signed with its key. */
    private List<ProducerRecord<String, byte[]>> honestBoot(String userid) {
        CloneKey key = CloneKey.derive(farmKey, userid, BATCH, 1);
        List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
        for (CloneEvent event : List.of(
                agentEvent(userid, 1).setAgentStarted(AgentStarted.newBuilder().setMode("finalize").setBoot(1)).build(),
                agentEvent(userid, 1).setRebooting(Rebooting.getDefaultInstance()).build(),
                agentEvent(userid, 1).setReady(Ready.newBuilder().setBoot(2)).build())) {
            records.add(guestRecord(userid, event, key));
        }
        return records;
    }

    /** Dead letters from the guest-events topic: event id of the refused record -> reason. */
    private Map<String, String> guestDeadLetters() {
        Map<String, String> letters = new HashMap<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(settings.consumer("dlq-reader", null))) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.partitionsFor(layout.deadLetters()).forEach(p -> partitions.add(new TopicPartition(p.topic(), p.partition())));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    try {
                        DeadLetter letter = DeadLetter.parseFrom(record.value());
                        if (letter.getTopic().equals(layout.guestEvents())) {
                            letters.put(CloneEvent.parseFrom(letter.getValue()).getEventId(), letter.getReason());
                        }
                    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return letters;
    }

    @Test
    void forgedGuestFactsChangeNoCloneAndEachIsDeadLetteredWithItsReason(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root, 500);
        settings = KafkaSettings.of(KAFKA.bootstrapServers());
        layout = TopicLayout.builder().prefix("forge.").build();
        try (Admin admin = Admin.create(settings.admin("t"))) {
            layout.ensure(admin, 30_000);
        }
        farmKey = FarmKey.loadOrCreate(FarmKey.defaultFile(data.root()));
        PlayedGuests guests = new PlayedGuests();
        try (SimulatedCp cp = new SimulatedCp(data, guests, "ZVMSIM");
                CoordinatorService coordinator = CoordinatorService.start("coordinator-test", settings, layout, data,
                        farmKey, new CpGuestStarter(cp.session(new Userid("CFCOORD"))), OrchestrationSettings.defaults(),
                        store -> List.of())) {
            coordinator.ready().get(60, TimeUnit.SECONDS);
            coordinator.commands().submit(SimulationBatchCommandsTest.spec(BATCH, "LINUX001-LINUX003", "10.1.1.21"))
                    .get(60, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> coordinator.store().batch(BATCH) != null
                    && coordinator.store().batch(BATCH).count(CloneState.CLONE_STATE_PLANNED) == 3);
            EventFactory worker = new EventFactory("worker-test");
            try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("worker-test"))) {
                for (String userid : List.of("LINUX001", "LINUX002", "LINUX003")) {
                    producer.send(new ProducerRecord<>(layout.events(), userid, ContractCodec.encode(
                            worker.newEvent(BATCH, userid, 1).setCloneCopied(CloneCopied.newBuilder()).build()))).get();
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> guests.booted.size() == 3);

            // LINUX001 is honest: its signed facts are relayed and it is READY as before
            send(honestBoot("LINUX001"));
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    coordinator.store().status("LINUX001").getState() == CloneState.CLONE_STATE_READY);

            // LINUX003 fails and is retried: attempt 2, its guest of attempt 1 still holds the key of attempt 1
            coordinator.commands().cancel(BATCH, List.of("LINUX003")).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    coordinator.store().status("LINUX003").getState() == CloneState.CLONE_STATE_CANCELLED);
            coordinator.commands().retry(BATCH, List.of("LINUX003")).get(30, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(30)).until(() -> coordinator.store().status("LINUX003").getAttempt() == 2);
            CloneState linux003Before = coordinator.store().status("LINUX003").getState();

            // LINUX001 turns hostile: it knows its own key and what any guest may write
            CloneKey own = CloneKey.derive(farmKey, "LINUX001", BATCH, 1);
            CloneKey oldAttempt = CloneKey.derive(farmKey, "LINUX003", BATCH, 1);
            Map<String, String> forged = new HashMap<>(); // event id -> the reason expected in the dead letter
            List<ProducerRecord<String, byte[]>> records = new ArrayList<>();
            CloneEvent othersReady = agentEvent("LINUX002", 1).setReady(Ready.newBuilder().setBoot(2)).build();
            records.add(guestRecord("LINUX002", othersReady, own));
            forged.put(othersReady.getEventId(), "does not match the clone key of LINUX002");
            CloneEvent diskCopied = agentEvent("LINUX001", 1).setDiskCopied(DiskCopied.newBuilder().setVaddr("0200")).build();
            records.add(guestRecord("LINUX001", diskCopied, own));
            forged.put(diskCopied.getEventId(), "DISK_COPIED is not a fact a guest may report");
            CloneEvent retry = agentEvent("LINUX001", 1).setRetryRequested(RetryRequested.newBuilder().setNextAttempt(2))
                    .build();
            records.add(guestRecord("LINUX001", retry, own));
            forged.put(retry.getEventId(), "RETRY_REQUESTED is not a fact a guest may report");
            CloneEvent wrongSignature = agentEvent("LINUX002", 1).setReady(Ready.newBuilder().setBoot(2)).build();
            ProducerRecord<String, byte[]> wrong = guestRecord("LINUX002", wrongSignature, null);
            wrong.headers().add(GuestEventSignature.HEADER, ("v1:" + "ab".repeat(32)).getBytes(StandardCharsets.US_ASCII));
            records.add(wrong);
            forged.put(wrongSignature.getEventId(), "does not match the clone key of LINUX002");
            CloneEvent unsigned = agentEvent("LINUX002", 1).setReady(Ready.newBuilder().setBoot(2)).build();
            records.add(guestRecord("LINUX002", unsigned, null));
            forged.put(unsigned.getEventId(), "carries no " + GuestEventSignature.HEADER + " header");
            CloneEvent misKeyed = agentEvent("LINUX002", 1).setReady(Ready.newBuilder().setBoot(2)).build();
            records.add(guestRecord("LINUX001", misKeyed, own));
            forged.put(misKeyed.getEventId(), "record key LINUX001 is not the userid the event names");
            CloneEvent staleReady = agentEvent("LINUX003", 1).setReady(Ready.newBuilder().setBoot(2)).build();
            records.add(guestRecord("LINUX003", staleReady, oldAttempt));
            forged.put(staleReady.getEventId(), "attempt 1, the clone is at batch forge attempt 2");
            CloneEvent oldKeyNewAttempt = agentEvent("LINUX003", 2).setAgentStarted(AgentStarted.newBuilder()
                    .setMode("finalize").setBoot(1)).build();
            records.add(guestRecord("LINUX003", oldKeyNewAttempt, oldAttempt));
            forged.put(oldKeyNewAttempt.getEventId(), "does not match the clone key of LINUX003 batch forge attempt 2");
            long relayedBefore = coordinator.guestRelay().relayed();
            send(records);

            await().atMost(Duration.ofSeconds(30)).until(() -> guestDeadLetters().keySet().containsAll(forged.keySet()));
            Map<String, String> letters = guestDeadLetters();
            forged.forEach((eventId, reason) -> assertThat(letters.get(eventId)).as("dead letter of %s", eventId)
                    .contains(reason));
            assertThat(coordinator.guestRelay().relayed()).as("no forgery relayed").isEqualTo(relayedBefore);
            assertThat(coordinator.store().status("LINUX002").getState()).isEqualTo(CloneState.CLONE_STATE_STARTING);
            assertThat(coordinator.store().status("LINUX003").getState()).isEqualTo(linux003Before);
            assertThat(coordinator.store().status("LINUX003").getAttempt()).isEqualTo(2);
            assertThat(coordinator.store().status("LINUX001").getState()).isEqualTo(CloneState.CLONE_STATE_READY);
            for (String userid : List.of("LINUX001", "LINUX002", "LINUX003")) {
                assertThat(coordinator.store().history(userid)).extracting(CloneEvent::getEventId)
                        .as("history of %s", userid).doesNotContainAnyElementsOf(forged.keySet());
            }
            assertThat(coordinator.guestRelay().refused(GuestFactRelay.Refusal.SIGNATURE)).isEqualTo(4);
            assertThat(coordinator.guestRelay().refused(GuestFactRelay.Refusal.NOT_A_GUEST_FACT)).isEqualTo(2);
            assertThat(coordinator.guestRelay().refused(GuestFactRelay.Refusal.RECORD_KEY)).isEqualTo(1);
            assertThat(coordinator.guestRelay().refused(GuestFactRelay.Refusal.NOT_CURRENT)).isEqualTo(1);

            // the honest LINUX002 still gets through after all that
            send(honestBoot("LINUX002"));
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    coordinator.store().status("LINUX002").getState() == CloneState.CLONE_STATE_READY);
        }
    }
}
