package org.clonefarm.worker.service.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.clonefarm.worker.service.internal.SubmittedRecords.Submitted;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Commits the offsets of the clone-request consumer: per partition, the offset after the contiguous
 * finished prefix of the records taken ({@link SubmittedRecords}), never past an unfinished one, so a
 * worker that dies loses no request (it is delivered again, and its checkpoints make the second copy cheap).
 *
 * <p>An asynchronous commit that fails (typically {@code RebalanceInProgressException}) is sent again with
 * the next commit, merged with whatever finished since, while its partition is still assigned here. Nothing
 * is ever sent below an offset the broker has acknowledged for the partition: without that, the retry of an
 * older failed commit could move the group back, and the last finished request of a partition that moved
 * would be delivered again and copied a second time. {@link #forget} drops all of it for revoked partitions.
 *
 * <p>Not thread-safe: only the poll-loop thread uses it, the thread the consumer calls commit callbacks on
 * (inside a later {@code poll} or commit).
 */
final class OffsetCommitter {
    private static final Logger LOG = LoggerFactory.getLogger(OffsetCommitter.class);

    private final Consumer<?, ?> consumer;
    private final SubmittedRecords ledger = new SubmittedRecords();
    /** Offsets whose asynchronous commit failed: sent again with the next commit. */
    private final Map<TopicPartition, OffsetAndMetadata> uncommitted = new HashMap<>();
    /** The highest offset the broker acknowledged per partition: an older failed commit never goes below it. */
    private final Map<TopicPartition, Long> committedUpTo = new HashMap<>();

    OffsetCommitter(Consumer<?, ?> consumer) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
    }

    /** A record taken from its partition (records of a partition in offset order): not committable until done. */
    Submitted submit(ConsumerRecord<?, ?> record) {
        return ledger.submit(new TopicPartition(record.topic(), record.partition()), record.offset());
    }

    /**
     * The record is finished (its events are acknowledged, or it went to the dead-letter topic).
     *
     * @return false for a stale entry (its partition was revoked since it was taken): nothing changes
     */
    boolean markDone(Submitted entry) {
        return ledger.markDone(entry);
    }

    /** Whether the entry belongs to the current assignment of its partition. */
    boolean isCurrent(Submitted entry) {
        return ledger.isCurrent(entry);
    }

    /** Records taken and not committed yet (finished or not), over all partitions. */
    int pending() {
        return ledger.pending();
    }

    /** Sends what may be committed now, without waiting; a failure is retried by the next commit. */
    void commitAsync() {
        Map<TopicPartition, OffsetAndMetadata> offsets = takeCommittable();
        if (offsets.isEmpty()) {
            return;
        }
        consumer.commitAsync(offsets, (committed, error) -> committed.forEach((partition, offset) -> {
            if (error == null) {
                committedUpTo.merge(partition, offset.offset(), Math::max);
            } else if (consumer.assignment().contains(partition)) {
                LOG.info("commit of {} at {} failed ({}); retrying", partition, offset.offset(), error.toString());
                uncommitted.merge(partition, offset, OffsetCommitter::higher);
            }
        }));
    }

    /**
     * Commits what may be committed now and waits for the broker (on revocation and stop).
     *
     * @return false when the commit failed (logged): those requests will be delivered again
     */
    boolean commitSync(Duration timeout) {
        Map<TopicPartition, OffsetAndMetadata> offsets = takeCommittable();
        if (offsets.isEmpty()) {
            return true;
        }
        try {
            consumer.commitSync(offsets, timeout);
            offsets.forEach((partition, offset) -> committedUpTo.merge(partition, offset.offset(), Math::max));
            LOG.debug("committed {}", offsets);
            return true;
        } catch (KafkaException e) {
            LOG.warn("commit of {} failed: {}; those requests will be delivered again (their checkpoints"
                    + " make the second copy cheap)", offsets, e.toString());
            return false;
        }
    }

    /** Forgets revoked or lost partitions: their unfinished records are never committed here. */
    void forget(Collection<TopicPartition> partitions) {
        ledger.remove(partitions);
        for (TopicPartition partition : partitions) {
            uncommitted.remove(partition);
            committedUpTo.remove(partition);
        }
    }

    /** The ledger's newly finished prefixes, merged with failed commits, none at or below an acknowledged offset. */
    private Map<TopicPartition, OffsetAndMetadata> takeCommittable() {
        Map<TopicPartition, OffsetAndMetadata> offsets = ledger.pollCommittable();
        uncommitted.forEach((partition, offset) -> offsets.merge(partition, offset, OffsetCommitter::higher));
        uncommitted.clear();
        offsets.entrySet().removeIf(e -> e.getValue().offset() <= committedUpTo.getOrDefault(e.getKey(), -1L));
        return offsets;
    }

    private static OffsetAndMetadata higher(OffsetAndMetadata a, OffsetAndMetadata b) {
        return a.offset() >= b.offset() ? a : b;
    }
}
