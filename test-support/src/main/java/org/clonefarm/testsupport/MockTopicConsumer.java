package org.clonefarm.testsupport;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetCommitCallback;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;

/**
 * Kafka's {@link MockConsumer} over an in-memory topic, for unit tests of the logic around a consumer
 * (what to read, commit, pause): {@link #append} writes a record at the topic's end, as a producer would,
 * and polls hand it over once its partition is assigned and not paused, from the consumer's position on.
 * A {@code poll} that finds nothing waits a little (at most 10 ms of its timeout) as a real one waits for
 * records, so a thread that polls in a loop does not spin. {@link #failNextCommits} makes commits fail as
 * they do during a rebalance.
 *
 * <p>Thread-safe as {@link MockConsumer} is (its methods synchronize on the consumer): a test thread may
 * append while another thread polls.
 */
public class MockTopicConsumer<K, V> extends MockConsumer<K, V> {
    private static final long IDLE_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

    private final Map<TopicPartition, List<ConsumerRecord<K, V>>> log = new HashMap<>();
    private final Map<TopicPartition, Long> committedOffsets = new HashMap<>();
    private int commitsToFail;

    /** A consumer that reads {@code topic} of {@code partitions} empty partitions from the beginning. */
    public MockTopicConsumer(String topic, int partitions) {
        super("earliest");
        List<PartitionInfo> infos = new ArrayList<>();
        Map<TopicPartition, Long> zero = new HashMap<>();
        for (int p = 0; p < partitions; p++) {
            infos.add(new PartitionInfo(topic, p, Node.noNode(), new Node[0], new Node[0]));
            TopicPartition partition = new TopicPartition(topic, p);
            zero.put(partition, 0L);
            log.put(partition, new ArrayList<>());
        }
        updatePartitions(topic, infos);
        updateBeginningOffsets(zero);
        updateEndOffsets(zero);
    }

    /** Writes a record at the end of its partition and moves the partition's end offset past it. */
    public synchronized ConsumerRecord<K, V> append(TopicPartition partition, K key, V value) {
        List<ConsumerRecord<K, V>> records = log.get(partition);
        if (records == null) {
            throw new IllegalArgumentException(partition + " is not a partition of this consumer's topic");
        }
        ConsumerRecord<K, V> record = new ConsumerRecord<>(partition.topic(), partition.partition(), records.size(),
                key, value);
        records.add(record);
        updateEndOffsets(Map.of(partition, (long) records.size()));
        return record;
    }

    /**
     * The offset last committed for {@code partition}, or null; unlike {@link #committed(java.util.Set)}, also
     * for a partition no longer assigned (for which {@link MockConsumer} answers 0).
     */
    public synchronized Long lastCommitted(TopicPartition partition) {
        return committedOffsets.get(partition);
    }

    /** The next {@code count} commits fail with a {@link RebalanceInProgressException} and commit nothing. */
    public synchronized void failNextCommits(int count) {
        commitsToFail = count;
    }

    @Override
    public ConsumerRecords<K, V> poll(Duration timeout) {
        ConsumerRecords<K, V> records;
        synchronized (this) {
            for (TopicPartition partition : assignment()) {
                if (paused().contains(partition) || !log.containsKey(partition)) {
                    continue;
                }
                long position = position(partition);
                for (ConsumerRecord<K, V> record : log.get(partition)) {
                    if (record.offset() >= position) {
                        addRecord(record); // taken by this poll: the partition is assigned and not paused
                    }
                }
            }
            records = super.poll(timeout);
        }
        if (records.isEmpty()) {
            LockSupport.parkNanos(Math.min(IDLE_POLL_NANOS, timeout.toNanos()));
        }
        return records;
    }

    @Override
    public synchronized void commitAsync(Map<TopicPartition, OffsetAndMetadata> offsets, OffsetCommitCallback callback) {
        if (commitsToFail > 0) {
            commitsToFail--;
            if (callback != null) {
                callback.onComplete(offsets, new RebalanceInProgressException("commit failed by the test"));
            }
            return;
        }
        offsets.forEach((partition, offset) -> committedOffsets.put(partition, offset.offset()));
        super.commitAsync(offsets, callback);
    }

    @Override
    public synchronized void commitSync(Map<TopicPartition, OffsetAndMetadata> offsets) {
        if (commitsToFail > 0) {
            commitsToFail--;
            throw new RebalanceInProgressException("commit failed by the test");
        }
        super.commitSync(offsets);
    }
}
