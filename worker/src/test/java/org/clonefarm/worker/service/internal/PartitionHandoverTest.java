package org.clonefarm.worker.service.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.clonefarm.testsupport.MockTopicConsumer;
import org.clonefarm.worker.service.internal.SubmittedRecords.Submitted;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the worker does when the group moves its partitions, on Kafka's MockConsumer with scheduled rebalances. */
class PartitionHandoverTest {
    private static final String TOPIC = "requests";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final MockTopicConsumer<String, String> consumer = new MockTopicConsumer<>(TOPIC, 2);
    private final OffsetCommitter committer = new OffsetCommitter(consumer);
    private final CopyAdmission<Submitted> admission = new CopyAdmission<>(4);
    private final List<Set<TopicPartition>> stopped = new ArrayList<>();
    private final AtomicInteger firstAssignments = new AtomicInteger();
    private final Map<String, Submitted> taken = new HashMap<>();
    /** What a copy being stopped does: it may finish its record before it ends. */
    private Runnable whileStopping = () -> { };
    private PartitionHandover handover;

    @BeforeEach
    void subscribe() {
        handover = new PartitionHandover("w1", committer, admission, partitions -> {
            stopped.add(partitions);
            whileStopping.run();
        }, firstAssignments::incrementAndGet);
        consumer.subscribe(List.of(TOPIC), handover);
    }

    /** Takes what the poll fetched into the ledger and the backlogs, by value. */
    private void poll() {
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(10))) {
            Submitted entry = committer.submit(record);
            taken.put(record.value(), entry);
            admission.enqueue(entry.partition(), entry);
        }
    }

    private Long committed(TopicPartition partition) {
        return consumer.lastCommitted(partition);
    }

    /**
     * Revoked: the partition's copies are stopped first, so what they finished while stopping is committed
     * with the finished prefix; then the rest is forgotten, and its late completions change nothing.
     */
    @Test
    void revocationStopsCopiesThenCommitsTheFinishedPrefixThenForgets() {
        consumer.rebalance(List.of(P0, P1));
        for (String value : List.of("a0", "a1", "a2")) {
            consumer.append(P0, "k", value);
        }
        consumer.append(P1, "k", "b0");
        poll();
        committer.markDone(taken.get("a0"));
        whileStopping = () -> committer.markDone(taken.get("a1")); // a1's copy finishes as it is stopped

        consumer.rebalance(List.of(P1));

        assertThat(stopped).containsExactly(Set.of(P0));
        assertThat(committed(P0)).as("a0 and a1 finished, a2 not").isEqualTo(2);
        assertThat(committed(P1)).as("P1 stays here: nothing finished, nothing committed").isNull();
        assertThat(admission.waiting()).as("only P1's request waits here").isEqualTo(1);
        assertThat(committer.pending()).isEqualTo(1);
        assertThat(committer.markDone(taken.get("a2"))).as("a2's late completion is stale").isFalse();
    }

    /** Lost: forgotten the same way, but not committed (the partitions may have another owner already). */
    @Test
    void lostPartitionsAreForgottenWithoutACommit() {
        consumer.rebalance(List.of(P0));
        consumer.append(P0, "k", "a0");
        poll();
        committer.markDone(taken.get("a0"));

        handover.onPartitionsLost(List.of(P0));

        assertThat(stopped).containsExactly(Set.of(P0));
        assertThat(committed(P0)).isNull();
        assertThat(committer.pending()).isZero();
        assertThat(admission.waiting()).isZero();
    }

    /** The first assignment, even an empty one, is announced once; later ones are not. */
    @Test
    void firstAssignmentIsAnnouncedOnceEvenWhenEmpty() {
        consumer.rebalance(List.of());
        assertThat(firstAssignments).hasValue(1);

        consumer.rebalance(List.of(P0, P1));
        consumer.rebalance(List.of(P1));

        assertThat(firstAssignments).hasValue(1);
        assertThat(stopped).containsExactly(Set.of(P0));
    }
}
