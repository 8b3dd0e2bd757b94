package org.clonefarm.worker.service.internal;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The ledger of clone-request records this worker has taken from its partitions, in offset order per
 * partition, and which of them are finished. Only the contiguous finished prefix of a partition may be
 * committed: committing past an unfinished record would lose it if this worker died.
 *
 * <p>Each {@link Submitted} belongs to one assignment of its partition, named by a generation number:
 * the partition's entries get a new generation with the first record taken after the partition was
 * {@linkplain #remove removed} (revoked or lost). A late completion of an entry of an earlier generation
 * (a copy of a revoked partition that finishes anyway) is stale: it changes nothing, even once the
 * partition is assigned here again and the same offset is taken anew.
 *
 * <p>Not thread-safe: only the poll-loop thread touches it (completions reach that thread via a queue).
 */
public final class SubmittedRecords {
    private final Map<TopicPartition, Assignment> partitions = new HashMap<>();
    private long generations;

    /** The entries of one assignment of a partition, in offset order. */
    private static final class Assignment {
        final long generation;
        final Deque<Submitted> entries = new ArrayDeque<>();

        Assignment(long generation) {
            this.generation = generation;
        }
    }

    /** One record taken from a partition. */
    public static final class Submitted {
        private final TopicPartition partition;
        private final long offset;
        private final long generation;
        private boolean done;

        private Submitted(TopicPartition partition, long offset, long generation) {
            this.partition = partition;
            this.offset = offset;
            this.generation = generation;
        }

        public TopicPartition partition() {
            return partition;
        }

        public long offset() {
            return offset;
        }

        /** The assignment of its partition this entry belongs to. */
        public long generation() {
            return generation;
        }

        public boolean isDone() {
            return done;
        }

        @Override
        public String toString() {
            return partition + "@" + offset + (done ? " done" : "");
        }
    }

    /**
     * Records a record taken from its partition; offsets of a partition must be submitted in increasing order.
     */
    public Submitted submit(TopicPartition partition, long offset) {
        Assignment assignment = partitions.computeIfAbsent(partition, p -> new Assignment(++generations));
        Submitted last = assignment.entries.peekLast();
        if (last != null && last.offset >= offset) {
            throw new IllegalStateException("offset " + offset + " of " + partition + " submitted after " + last.offset);
        }
        Submitted submitted = new Submitted(partition, offset, assignment.generation);
        assignment.entries.addLast(submitted);
        return submitted;
    }

    /**
     * Marks a record finished (its events are acknowledged or it went to the dead-letter topic).
     *
     * @return false when the entry is stale (its partition was revoked since it was submitted)
     */
    public boolean markDone(Submitted submitted) {
        if (!isCurrent(submitted)) {
            return false;
        }
        submitted.done = true;
        return true;
    }

    /** Whether the entry belongs to the current assignment of its partition (false: stale). */
    public boolean isCurrent(Submitted submitted) {
        Assignment assignment = partitions.get(submitted.partition);
        return assignment != null && assignment.generation == submitted.generation;
    }

    /**
     * Removes the finished prefix of every partition and returns the offsets to commit: for each
     * partition whose prefix advanced, the offset after its last finished record.
     */
    public Map<TopicPartition, OffsetAndMetadata> pollCommittable() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, Assignment> entry : partitions.entrySet()) {
            Deque<Submitted> deque = entry.getValue().entries;
            long next = -1;
            while (!deque.isEmpty() && deque.peekFirst().done) {
                next = deque.pollFirst().offset + 1;
            }
            if (next >= 0) {
                offsets.put(entry.getKey(), new OffsetAndMetadata(next));
            }
        }
        return offsets;
    }

    /** Forgets the partitions (revoked or lost); their unfinished entries will never be committed here. */
    public void remove(Collection<TopicPartition> revoked) {
        for (TopicPartition partition : revoked) {
            partitions.remove(partition);
        }
    }

    /** Entries not yet committed (finished or not), over all partitions. */
    public int pending() {
        int count = 0;
        for (Assignment assignment : partitions.values()) {
            count += assignment.entries.size();
        }
        return count;
    }
}
