package org.clonefarm.worker.service.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.clonefarm.testsupport.MockTopicConsumer;
import org.clonefarm.worker.service.internal.SubmittedRecords.Submitted;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Which request offsets the worker commits, on Kafka's MockConsumer: the finished prefix, retried, never backwards. */
class OffsetCommitterTest {
    private static final String TOPIC = "requests";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);
    private static final TopicPartition P1 = new TopicPartition(TOPIC, 1);

    private final DeferringConsumer consumer = new DeferringConsumer();
    private final OffsetCommitter committer = new OffsetCommitter(consumer);

    /** A consumer whose asynchronous commits answer when the test says, as a broker's answers arrive later. */
    private static final class DeferringConsumer extends MockTopicConsumer<String, String> {
        record Pending(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        }

        final List<Pending> sent = new ArrayList<>();
        boolean defer;

        DeferringConsumer() {
            super(TOPIC, 2);
        }

        @Override
        public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
            if (defer) {
                sent.add(new Pending(Map.copyOf(offsets), callback));
            } else {
                super.commitAsync(offsets, callback);
            }
        }

        void answer(int index, Exception error) {
            Pending pending = sent.get(index);
            if (error == null) {
                super.commitAsync(pending.offsets, pending.callback);
            } else {
                pending.callback.onComplete(pending.offsets, error);
            }
        }
    }

    @BeforeEach
    void assignBothPartitions() {
        consumer.subscribe(List.of(TOPIC));
        consumer.rebalance(List.of(P0, P1));
    }

    private List<Submitted> take(TopicPartition partition, int count) {
        for (int i = 0; i < count; i++) {
            consumer.append(partition, "LINUX00" + i, "request " + i);
        }
        List<Submitted> taken = new ArrayList<>();
        for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(10))) {
            taken.add(committer.submit(record));
        }
        return taken;
    }

    private Long committed(TopicPartition partition) {
        return consumer.lastCommitted(partition);
    }

    /** Records finished after an unfinished one are not committed until it finishes: then all at once. */
    @Test
    void commitsOnlyTheContiguousFinishedPrefix() {
        List<Submitted> taken = take(P0, 3);
        committer.markDone(taken.get(1));
        committer.markDone(taken.get(2));

        committer.commitAsync();
        assertThat(committed(P0)).as("offset 0 unfinished holds back 1 and 2").isNull();

        committer.markDone(taken.get(0));
        committer.commitAsync();
        assertThat(committed(P0)).isEqualTo(3);
        assertThat(committer.pending()).isZero();
    }

    /** A failed asynchronous commit (a rebalance in progress) is sent again by the next commit. */
    @Test
    void failedCommitIsSentAgainWithTheNextCommit() {
        List<Submitted> taken = take(P0, 1);
        committer.markDone(taken.get(0));
        consumer.failNextCommits(1);

        committer.commitAsync();
        assertThat(committed(P0)).isNull();

        committer.commitAsync(); // nothing new finished: the failed offset alone
        assertThat(committed(P0)).isEqualTo(1);
    }

    /** The late failure of an older commit never sends the group back below what the broker acknowledged. */
    @Test
    void lateFailureOfAnOlderCommitIsNotRetriedBelowAnAcknowledgedOffset() {
        List<Submitted> taken = take(P0, 2);
        consumer.defer = true;
        committer.markDone(taken.get(0));
        committer.commitAsync(); // sent[0]: offset 1
        committer.markDone(taken.get(1));
        committer.commitAsync(); // sent[1]: offset 2
        consumer.answer(1, null);
        consumer.answer(0, new RebalanceInProgressException("the older commit fails late"));

        committer.commitAsync();

        assertThat(consumer.sent).as("no third commit: offset 1 is below the acknowledged 2").hasSize(2);
        assertThat(committed(P0)).isEqualTo(2);
    }

    /** A completion of a record taken before its partition was revoked changes nothing, even after reassignment. */
    @Test
    void staleCompletionAfterRevocationChangesNothing() {
        Submitted stale = take(P0, 1).get(0);
        committer.forget(List.of(P0));
        consumer.seek(P0, 0); // assigned here again: the record is delivered anew
        Submitted fresh = committer.submit(consumer.poll(Duration.ofMillis(10)).iterator().next());

        assertThat(committer.markDone(stale)).isFalse();
        committer.commitAsync();
        assertThat(committed(P0)).as("the record taken anew is not finished").isNull();

        assertThat(committer.markDone(fresh)).isTrue();
        committer.commitAsync();
        assertThat(committed(P0)).isEqualTo(1);
    }

    /** A synchronous commit that fails says so; the requests will be delivered again. */
    @Test
    void failedSynchronousCommitIsReported() {
        committer.markDone(take(P1, 1).get(0));
        consumer.failNextCommits(1);

        assertThat(committer.commitSync(Duration.ofSeconds(1))).isFalse();
        assertThat(committed(P1)).isNull();
    }
}
