package org.clonefarm.worker.service.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.clonefarm.worker.service.internal.SubmittedRecords.Submitted;
import org.junit.jupiter.api.Test;

class SubmittedRecordsTest {
    private static final TopicPartition P0 = new TopicPartition("requests", 0);
    private static final TopicPartition P1 = new TopicPartition("requests", 1);

    /** Only the contiguous finished prefix of a partition is committable, one past its last offset. */
    @Test
    void commitsOnlyTheContiguousFinishedPrefix() {
        SubmittedRecords ledger = new SubmittedRecords();
        Submitted a = ledger.submit(P0, 10);
        Submitted b = ledger.submit(P0, 11);
        Submitted c = ledger.submit(P0, 14);
        Submitted other = ledger.submit(P1, 3);

        ledger.markDone(b);
        ledger.markDone(c);
        assertThat(ledger.pollCommittable()).as("10 unfinished holds back 11 and 14").isEmpty();

        ledger.markDone(a);
        ledger.markDone(other);
        assertThat(ledger.pollCommittable())
                .isEqualTo(Map.of(P0, new OffsetAndMetadata(15), P1, new OffsetAndMetadata(4)));
        assertThat(ledger.pollCommittable()).as("nothing new finished").isEmpty();
        assertThat(ledger.pending()).isZero();
    }

    /** A completion that arrives after its partition was revoked changes nothing, even once reassigned. */
    @Test
    void ignoresCompletionsOfARevokedAssignment() {
        SubmittedRecords ledger = new SubmittedRecords();
        Submitted stale = ledger.submit(P0, 5);
        ledger.remove(List.of(P0));
        Submitted fresh = ledger.submit(P0, 5);

        assertThat(ledger.markDone(stale)).isFalse();
        assertThat(ledger.isCurrent(stale)).isFalse();
        assertThat(ledger.pollCommittable()).as("the reassigned record 5 is not finished").isEmpty();
        assertThat(ledger.markDone(fresh)).isTrue();
        assertThat(ledger.pollCommittable()).isEqualTo(Map.of(P0, new OffsetAndMetadata(6)));
    }

    /** Offsets of one partition must come in increasing order: a ledger out of order would commit wrongly. */
    @Test
    void refusesOffsetsOutOfOrder() {
        SubmittedRecords ledger = new SubmittedRecords();
        ledger.submit(P0, 7);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> ledger.submit(P0, 7))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("requests-0");
    }
}
