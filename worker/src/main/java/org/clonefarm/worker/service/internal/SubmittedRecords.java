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
 * <p>Each {@link Submitted} belongs to one assignment of its partition. When the partition is revoked
 * its entries are dropped; a late completion of a dropped entry (a copy of a revoked partition that
 * finishes anyway) then changes nothing, because it marks an object no deque holds any more, and a
 * reassignment of the same partition starts a fresh deque.
 *
 * <p>Not thread-safe: only the poll-loop thread touches it (completions reach that thread via a queue).
 */
public final class SubmittedRecords {
    private final Map<TopicPartition, Deque<Submitted>> partitions = new HashMap<>();
    private long generation;

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

        /** The assignment this entry belongs to (for logs). */
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

    /** Starts a new assignment generation: entries submitted from now on belong to it. */
    public long nextGeneration() {
        return ++generation;
    }

    /**
     * Records a record taken from its partition; offsets of a partition must be submitted in increasing order.
     */
    public Submitted submit(TopicPartition partition, long offset) {
        Deque<Submitted> deque = partitions.computeIfAbsent(partition, p -> new ArrayDeque<>());
        Submitted last = deque.peekLast();
        if (last != null && last.offset >= offset) {
            throw new IllegalStateException("offset " + offset + " of " + partition + " submitted after " + last.offset);
        }
        Submitted submitted = new Submitted(partition, offset, generation);
        deque.addLast(submitted);
        return submitted;
    }

    /**
     * Marks a record finished (its events are acknowledged or it went to the dead-letter topic).
     *
     * @return false when the entry is stale (its partition was revoked since it was submitted)
     */
    public boolean markDone(Submitted submitted) {
        Deque<Submitted> deque = partitions.get(submitted.partition);
        if (deque == null || !deque.contains(submitted)) {
            return false;
        }
        submitted.done = true;
        return true;
    }

    /** Whether the entry still belongs to a current assignment. */
    public boolean isCurrent(Submitted submitted) {
        Deque<Submitted> deque = partitions.get(submitted.partition);
        return deque != null && deque.contains(submitted);
    }

    /**
     * Removes the finished prefix of every partition and returns the offsets to commit: for each
     * partition whose prefix advanced, the offset after its last finished record.
     */
    public Map<TopicPartition, OffsetAndMetadata> pollCommittable() {
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
        for (Map.Entry<TopicPartition, Deque<Submitted>> entry : partitions.entrySet()) {
            Deque<Submitted> deque = entry.getValue();
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
        for (Deque<Submitted> deque : partitions.values()) {
            count += deque.size();
        }
        return count;
    }
}
