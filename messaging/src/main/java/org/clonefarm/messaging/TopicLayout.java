package org.clonefarm.messaging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clonefarm topics: their names (one configurable prefix), partition counts and settings, and
 * the check that a cluster has them right.
 *
 * <table>
 *   <caption>Topics</caption>
 *   <tr><th>topic</th><th>key</th><th>value</th><th>cleanup</th></tr>
 *   <tr><td>{prefix}clone-requests</td><td>userid</td><td>CloneRequest</td><td>delete</td></tr>
 *   <tr><td>{prefix}events</td><td>userid</td><td>CloneEvent</td><td>delete</td></tr>
 *   <tr><td>{prefix}status</td><td>userid</td><td>CloneStatus</td><td>compact</td></tr>
 *   <tr><td>{prefix}dlq</td><td>original key</td><td>DeadLetter</td><td>delete</td></tr>
 *   <tr><td>{prefix}guest-events</td><td>userid</td><td>CloneEvent, signed ({@link GuestEventSignature})</td>
 *       <td>delete</td></tr>
 * </table>
 *
 * <p>Guests write only {@code guest-events}; the coordinator checks each record there and relays the
 * valid ones to {@code events}, so that a guest cannot state another clone's facts or a worker's.
 *
 * <p>Immutable and thread-safe.
 */
public final class TopicLayout {
    private static final Logger LOG = LoggerFactory.getLogger(TopicLayout.class);

    /** The default prefix: topics are {@code clonefarm.clone-requests} and so on. */
    public static final String DEFAULT_PREFIX = "clonefarm.";
    public static final int DEFAULT_REQUEST_PARTITIONS = 12;
    public static final int DEFAULT_EVENT_PARTITIONS = 12;
    public static final int DEFAULT_STATUS_PARTITIONS = 6;
    public static final int DEFAULT_DLQ_PARTITIONS = 1;
    public static final int DEFAULT_GUEST_EVENT_PARTITIONS = 12;

    private static final Pattern LEGAL_PREFIX = Pattern.compile("[a-zA-Z0-9._-]{0,200}");

    private final String prefix;
    private final int requestPartitions;
    private final int eventPartitions;
    private final int statusPartitions;
    private final int dlqPartitions;
    private final int guestEventPartitions;
    private final short replicationFactor;

    private TopicLayout(String prefix, int requestPartitions, int eventPartitions, int statusPartitions,
            int dlqPartitions, int guestEventPartitions, short replicationFactor) {
        this.prefix = prefix;
        this.requestPartitions = requestPartitions;
        this.eventPartitions = eventPartitions;
        this.statusPartitions = statusPartitions;
        this.dlqPartitions = dlqPartitions;
        this.guestEventPartitions = guestEventPartitions;
        this.replicationFactor = replicationFactor;
    }

    /** The default layout with prefix {@value #DEFAULT_PREFIX} and the broker's replication factor. */
    public static TopicLayout defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public String prefix() {
        return prefix;
    }

    public String cloneRequests() {
        return prefix + "clone-requests";
    }

    public String events() {
        return prefix + "events";
    }

    public String status() {
        return prefix + "status";
    }

    public String deadLetters() {
        return prefix + "dlq";
    }

    /** What guest agents write (their only topic): the coordinator relays the valid facts to {@link #events()}. */
    public String guestEvents() {
        return prefix + "guest-events";
    }

    public List<String> allTopics() {
        return List.of(cloneRequests(), events(), status(), deadLetters(), guestEvents());
    }

    /** The topics as they are created where missing. */
    public List<NewTopic> newTopics() {
        List<NewTopic> topics = new ArrayList<>();
        topics.add(topic(cloneRequests(), requestPartitions, Map.of()));
        topics.add(topic(events(), eventPartitions, Map.of()));
        topics.add(topic(status(), statusPartitions, Map.of(
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        topics.add(topic(deadLetters(), dlqPartitions, Map.of()));
        topics.add(topic(guestEvents(), guestEventPartitions, Map.of()));
        return topics;
    }

    private NewTopic topic(String name, int partitions, Map<String, String> configs) {
        java.util.Optional<Short> replication = replicationFactor > 0
                ? java.util.Optional.of(replicationFactor) : java.util.Optional.empty();
        return new NewTopic(name, java.util.Optional.of(partitions), replication).configs(configs);
    }

    /**
     * Creates the topics that are missing and checks the ones that exist. A status topic without
     * compaction is an error: its readers would lose the latest state of clones.
     *
     * @return the names of the topics this call created
     * @throws TopicLayoutException when a topic exists with settings that break the contract, or the
     *     cluster cannot be reached within the timeout
     */
    public List<String> ensure(Admin admin, long timeoutMillis) {
        Objects.requireNonNull(admin, "admin");
        try {
            Set<String> existing = admin.listTopics().names().get(timeoutMillis, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic topic : newTopics()) {
                if (!existing.contains(topic.name())) {
                    missing.add(topic);
                }
            }
            List<String> created = new ArrayList<>();
            if (!missing.isEmpty()) {
                Map<String, org.apache.kafka.common.KafkaFuture<Void>> results =
                        admin.createTopics(missing).values();
                for (Map.Entry<String, org.apache.kafka.common.KafkaFuture<Void>> result : results.entrySet()) {
                    try {
                        result.getValue().get(timeoutMillis, TimeUnit.MILLISECONDS);
                        created.add(result.getKey());
                    } catch (ExecutionException e) {
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e; // another process may create it at the same moment: that is fine
                        }
                    }
                }
                LOG.info("created topics {}", created);
            }
            checkWhenVisible(admin, timeoutMillis);
            return created;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TopicLayoutException("interrupted while creating the clonefarm topics", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException) {
                throw unreachable(timeoutMillis, e.getCause()); // the client's own timeout fired first
            }
            throw new TopicLayoutException("cannot create the clonefarm topics "
                    + allTopics() + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw unreachable(timeoutMillis, e);
        }
    }

    private static TopicLayoutException unreachable(long timeoutMillis, Throwable cause) {
        return new TopicLayoutException("the Kafka cluster did not answer within " + timeoutMillis
                + " ms while creating the clonefarm topics; check --bootstrap-servers and that the"
                + " brokers are up", cause);
    }

    /** New topics take a moment to reach every broker's metadata: retry the check until then. */
    private void checkWhenVisible(Admin admin, long timeoutMillis)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
        while (true) {
            try {
                check(admin, timeoutMillis);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private void check(Admin admin, long timeoutMillis)
            throws InterruptedException, ExecutionException, TimeoutException {
        Map<String, TopicDescription> descriptions =
                admin.describeTopics(allTopics()).allTopicNames().get(timeoutMillis, TimeUnit.MILLISECONDS);
        ConfigResource statusResource = new ConfigResource(ConfigResource.Type.TOPIC, status());
        Map<ConfigResource, Config> configs =
                admin.describeConfigs(List.of(statusResource)).all().get(timeoutMillis, TimeUnit.MILLISECONDS);
        ConfigEntry cleanup = configs.get(statusResource).get(TopicConfig.CLEANUP_POLICY_CONFIG);
        String policy = cleanup == null ? "" : cleanup.value();
        if (!policy.contains(TopicConfig.CLEANUP_POLICY_COMPACT)) {
            throw new TopicLayoutException("topic " + status() + " exists with cleanup.policy=" + policy
                    + " but must be compacted; run: kafka-configs.sh --alter --entity-type topics --entity-name "
                    + status() + " --add-config cleanup.policy=compact");
        }
        Map<String, Integer> expected = new HashMap<>();
        for (NewTopic topic : newTopics()) {
            expected.put(topic.name(), topic.numPartitions());
        }
        for (TopicDescription description : descriptions.values()) {
            for (var partition : description.partitions()) {
                if (partition.leader() == null || partition.leader().isEmpty()) {
                    // a new topic's partitions get leaders a moment after creation: producing before
                    // that fails with NOT_LEADER_OR_FOLLOWER, so the caller waits until they have one
                    throw new ExecutionException(new UnknownTopicOrPartitionException(
                            description.name() + "-" + partition.partition() + " has no leader yet"));
                }
            }
            int partitions = description.partitions().size();
            if (partitions < expected.get(description.name())) {
                LOG.warn("topic {} has {} partitions, fewer than the {} configured: fewer workers can share it",
                        description.name(), partitions, expected.get(description.name()));
            }
        }
    }

    /** Partition counts by topic name, as configured. */
    public Map<String, Integer> partitionCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        for (NewTopic topic : newTopics()) {
            counts.put(topic.name(), topic.numPartitions());
        }
        return counts;
    }

    @Override
    public String toString() {
        return "TopicLayout" + partitionCounts();
    }

    /** Builds a {@link TopicLayout}; every value is validated when set. Not thread-safe. */
    public static final class Builder {
        private String prefix = DEFAULT_PREFIX;
        private int requestPartitions = DEFAULT_REQUEST_PARTITIONS;
        private int eventPartitions = DEFAULT_EVENT_PARTITIONS;
        private int statusPartitions = DEFAULT_STATUS_PARTITIONS;
        private int dlqPartitions = DEFAULT_DLQ_PARTITIONS;
        private int guestEventPartitions = DEFAULT_GUEST_EVENT_PARTITIONS;
        private short replicationFactor = -1;

        private Builder() {
        }

        /** Prefix of every topic name: letters, digits, '.', '_' and '-', at most 200 characters. */
        public Builder prefix(String value) {
            Objects.requireNonNull(value, "prefix");
            if (!LEGAL_PREFIX.matcher(value).matches()) {
                throw new IllegalArgumentException("topic prefix '" + value
                        + "' may hold only letters, digits, '.', '_' and '-' (at most 200)");
            }
            this.prefix = value;
            return this;
        }

        public Builder requestPartitions(int value) {
            this.requestPartitions = partitions("clone-requests", value);
            return this;
        }

        public Builder eventPartitions(int value) {
            this.eventPartitions = partitions("events", value);
            return this;
        }

        public Builder statusPartitions(int value) {
            this.statusPartitions = partitions("status", value);
            return this;
        }

        public Builder deadLetterPartitions(int value) {
            this.dlqPartitions = partitions("dlq", value);
            return this;
        }

        public Builder guestEventPartitions(int value) {
            this.guestEventPartitions = partitions("guest-events", value);
            return this;
        }

        /** Replication factor of created topics; -1 (the default) takes the broker's default. */
        public Builder replicationFactor(int value) {
            if (value != -1 && (value < 1 || value > Short.MAX_VALUE)) {
                throw new IllegalArgumentException("replication factor must be -1 (broker default) or 1 to "
                        + Short.MAX_VALUE + ", got " + value);
            }
            this.replicationFactor = (short) value;
            return this;
        }

        private static int partitions(String topic, int value) {
            if (value < 1 || value > 10_000) {
                throw new IllegalArgumentException("partitions of " + topic + " must be 1 to 10000, got " + value);
            }
            return value;
        }

        public TopicLayout build() {
            return new TopicLayout(prefix, requestPartitions, eventPartitions, statusPartitions, dlqPartitions,
                    guestEventPartitions, replicationFactor);
        }
    }
}
