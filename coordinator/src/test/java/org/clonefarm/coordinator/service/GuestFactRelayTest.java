package org.clonefarm.coordinator.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.TestEvents;
import org.clonefarm.messaging.CloneKey;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.GuestEventSignature;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.DeadLetter;
import org.clonefarm.testsupport.MockTopicConsumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The relay's loop on Kafka's MockConsumer and MockProducer: one transaction per poll with the consumed
 * offsets, an aborted transaction checked again and relayed once, a fenced relay stopped with the reason.
 * What each check refuses, against a broker: {@link ForgedGuestFactsTest}.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class GuestFactRelayTest {
    private static final String BATCH = "web";
    private final TopicLayout layout = TopicLayout.defaults();
    private final TopicPartition partition = new TopicPartition(layout.guestEvents(), 0);
    private final MockTopicConsumer<String, byte[]> consumer = new MockTopicConsumer<>(layout.guestEvents(), 1);
    private final FarmKey farmKey = FarmKey.of(new byte[FarmKey.LENGTH]);
    private final CloneStateStore store = new CloneStateStore();
    private GuestFactRelay relay;

    /** A producer whose first {@code failures} commits fail as a broker that went away fails them. */
    private static final class FlakyProducer extends MockProducer<String, byte[]> {
        private final AtomicInteger failures;
        final AtomicInteger aborts = new AtomicInteger();

        FlakyProducer(int failures) {
            super(true, null, new StringSerializer(), new ByteArraySerializer());
            this.failures = new AtomicInteger(failures);
        }

        @Override
        public void commitTransaction() {
            if (failures.getAndDecrement() > 0) {
                throw new KafkaException("the transaction coordinator went away (injected by the test)");
            }
            super.commitTransaction();
        }

        @Override
        public void abortTransaction() {
            super.abortTransaction();
            aborts.incrementAndGet();
        }
    }

    @BeforeEach
    void cloneIsStarting() {
        TestEvents events = new TestEvents(BATCH);
        for (CloneEvent event : List.of(events.batchPlanned(1), events.planned("LINUX001", 1000),
                events.copyStarted("LINUX001", 1000), events.copied("LINUX001"), events.startRequested("LINUX001"),
                events.started("LINUX001"))) {
            store.apply(event);
        }
        assertThat(store.status("LINUX001").getState()).isEqualTo(CloneState.CLONE_STATE_STARTING);
    }

    @AfterEach
    void closeRelay() throws InterruptedException {
        if (relay != null) {
            relay.close();
        }
    }

    private void start(MockProducer<String, byte[]> producer) {
        relay = new GuestFactRelay(() -> consumer, () -> producer, layout, farmKey, store, "test");
        relay.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> consumer.subscription().contains(layout.guestEvents()));
        consumer.rebalance(List.of(partition));
    }

    /** The agent's AgentStarted, as the clone's agent writes it: signed with its key when {@code signed}. */
    private CloneEvent append(boolean signed) {
        CloneEvent event = new EventFactory("agent-LINUX001").newEvent(BATCH, "LINUX001", 1)
                .setAgentStarted(AgentStarted.newBuilder().setMode("finalize").setBoot(1)).build();
        byte[] value = ContractCodec.encode(event);
        ConsumerRecord<String, byte[]> record = consumer.append(partition, "LINUX001", value);
        if (signed) { // the mock consumer hands over the record it holds: sign that one
            record.headers().add(GuestEventSignature.header(CloneKey.derive(farmKey, "LINUX001", BATCH, 1), value));
        }
        return event;
    }

    private static List<ProducerRecord<String, byte[]>> sentTo(MockProducer<String, byte[]> producer, String topic) {
        return producer.history().stream().filter(r -> r.topic().equals(topic)).toList();
    }

    /** A signed fact and an unsigned one of one poll: relayed and dead-lettered in one transaction with the offsets. */
    @Test
    void aPollsVerdictsAndOffsetsAreOneTransaction() throws Exception {
        MockProducer<String, byte[]> producer = new FlakyProducer(0);
        CloneEvent signed = append(true);
        CloneEvent unsigned = append(false);
        start(producer);

        await().atMost(Duration.ofSeconds(10)).until(() -> producer.history().size() == 2);
        assertThat(sentTo(producer, layout.events())).singleElement().satisfies(record ->
                assertThat(ContractCodec.decodeEvent(record.value(), "relayed")).isEqualTo(signed));
        assertThat(sentTo(producer, layout.deadLetters())).singleElement().satisfies(record -> {
            DeadLetter letter = DeadLetter.parseFrom(record.value());
            assertThat(CloneEvent.parseFrom(letter.getValue())).isEqualTo(unsigned);
            assertThat(letter.getReason()).contains("carries no " + GuestEventSignature.HEADER + " header");
        });
        assertThat(producer.consumerGroupOffsetsHistory()).singleElement().satisfies(offsets ->
                assertThat(offsets.values()).singleElement().isEqualTo(Map.of(partition, new OffsetAndMetadata(2))));
        assertThat(relay.relayed()).isEqualTo(1);
        assertThat(relay.refused(GuestFactRelay.Refusal.SIGNATURE)).isEqualTo(1);
    }

    /** A transaction that fails to commit is aborted; its records are read again from the committed offset and relayed once. */
    @Test
    void anAbortedTransactionIsCheckedAgainAndRelayedOnce() {
        FlakyProducer producer = new FlakyProducer(1);
        CloneEvent signed = append(true);
        start(producer);

        await().atMost(Duration.ofSeconds(10)).until(() -> relay.relayed() == 1);
        assertThat(producer.aborts).as("the failed transaction was aborted").hasValue(1);
        assertThat(sentTo(producer, layout.events())).singleElement().satisfies(record ->
                assertThat(ContractCodec.decodeEvent(record.value(), "relayed")).isEqualTo(signed));
        assertThat(producer.consumerGroupOffsetsHistory()).hasSize(1);
        assertThat(relay.stopped()).isNotDone();
    }

    /** A relay fenced by another coordinator's stops, relays nothing more, and says why. */
    @Test
    void aFencedRelayStopsAndSaysWhy() {
        MockProducer<String, byte[]> producer = new FlakyProducer(0);
        producer.commitTransactionException = new ProducerFencedException("a newer producer with this transactional id");
        append(true);
        start(producer);

        await().atMost(Duration.ofSeconds(10)).until(() -> relay.stopped().isDone());
        assertThat(relay.stopped()).failsWithin(Duration.ZERO).withThrowableOfType(ExecutionException.class)
                .withCauseInstanceOf(IllegalStateException.class)
                .withMessageContaining("another coordinator's relay of this farm took over");
        assertThat(producer.history()).isEmpty();
        assertThat(producer.closed()).isTrue();
        assertThat(relay.relayed()).isZero();
    }
}
