package org.clonefarm.worker.service.internal;

import java.time.Duration;
import java.util.Collection;
import java.util.Objects;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the worker does when the group moves clone-request partitions (with the cooperative-sticky assignor
 * only the partitions that change owner are revoked; the others' copies keep running):
 *
 * <ul>
 *   <li><b>Revoked</b>: first the copies of those partitions are stopped at a checkpoint and awaited
 *       ({@code stopCopies}), so two live members never write one disk at once and every record they
 *       finished is in the ledger; then the finished prefix is committed synchronously (before the
 *       partition is given up: afterwards the commit would fail); then the rest is forgotten, backlog and
 *       ledger, for the next owner to copy. Completions that arrive later are stale and change nothing.</li>
 *   <li><b>Lost</b> (this member was dropped from the group): the same without the commit, which would
 *       fail; the partitions may have another owner already.</li>
 *   <li><b>Assigned</b>: nothing to set up (a partition's ledger starts with its first record); the first
 *       assignment, even an empty one, runs {@code onFirstAssignment}.</li>
 * </ul>
 *
 * <p>Thread: the consumer calls it inside {@code poll}, on the poll-loop thread, the thread that owns
 * the committer and the admission.
 */
final class PartitionHandover implements ConsumerRebalanceListener {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionHandover.class);
    static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

    /** Stops the copies of partitions that leave this worker and returns once they have ended. */
    @FunctionalInterface
    interface CopyStopper {
        void stopCopiesOf(Set<TopicPartition> partitions);
    }

    private final String workerId;
    private final OffsetCommitter committer;
    private final CopyAdmission<?> admission;
    private final CopyStopper copies;
    private final Runnable onFirstAssignment;
    private boolean assigned;

    PartitionHandover(String workerId, OffsetCommitter committer, CopyAdmission<?> admission, CopyStopper copies,
            Runnable onFirstAssignment) {
        this.workerId = Objects.requireNonNull(workerId, "workerId");
        this.committer = Objects.requireNonNull(committer, "committer");
        this.admission = Objects.requireNonNull(admission, "admission");
        this.copies = Objects.requireNonNull(copies, "copies");
        this.onFirstAssignment = Objects.requireNonNull(onFirstAssignment, "onFirstAssignment");
    }

    @Override
    public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        LOG.info("worker {}: partitions revoked {}", workerId, partitions);
        giveUp(partitions, true);
    }

    @Override
    public void onPartitionsLost(Collection<TopicPartition> partitions) {
        if (partitions.isEmpty()) {
            return;
        }
        LOG.warn("worker {}: partitions lost {} (another worker may own them already)", workerId, partitions);
        giveUp(partitions, false);
    }

    @Override
    public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
        if (!partitions.isEmpty()) {
            LOG.info("worker {}: partitions assigned {}", workerId, partitions);
        }
        if (!assigned) {
            assigned = true;
            onFirstAssignment.run();
        }
    }

    private void giveUp(Collection<TopicPartition> partitions, boolean commit) {
        copies.stopCopiesOf(Set.copyOf(partitions));
        if (commit) {
            committer.commitSync(COMMIT_TIMEOUT);
        }
        committer.forget(partitions);
        admission.forget(partitions);
    }
}
