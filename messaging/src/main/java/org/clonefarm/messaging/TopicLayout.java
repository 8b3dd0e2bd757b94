package org.clonefarm.messaging;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
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
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicAuthorizationException;
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
 * <p>Guests write only {@code guest-events} (on a secured cluster it is the one topic the guest
 * principal may write, and it may read nothing); the coordinator checks each record there and relays the
 * valid ones to {@code events}, so that a guest cannot state another clone's facts or a worker's.
 *
 * <p>Replication: topics are created with {@link #replicationFactorFor(int) min(3, brokers)} replicas,
 * the brokers being those the cluster reports when the topics are ensured, and
 * {@code min.insync.replicas} one less (at least 1), so an acknowledged record ({@code acks=all}) is on
 * two brokers of three and the farm keeps writing with one broker down. An existing topic with fewer
 * replicas than that is reported by {@link #reconcile} (Kafka cannot raise a replication factor by a
 * config change; it takes a partition reassignment), never silently taken as fine.
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
    /** The most replicas a topic gets when the builder does not fix a replication factor. */
    public static final int MAX_DEFAULT_REPLICATION = 3;

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

    /** The default layout with prefix {@value #DEFAULT_PREFIX}, replicated by the cluster's size. */
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

    /**
     * The replication factor of new topics on a cluster of {@code brokers}: min(3, brokers).
     *
     * @throws IllegalArgumentException when {@code brokers} is below 1
     */
    public static int replicationFactorFor(int brokers) {
        if (brokers < 1) {
            throw new IllegalArgumentException("a cluster has at least one broker, got " + brokers);
        }
        return Math.min(MAX_DEFAULT_REPLICATION, brokers);
    }

    /** {@code min.insync.replicas} of a topic with {@code replicationFactor} replicas: one less, at least 1. */
    public static int minInsyncReplicasFor(int replicationFactor) {
        return Math.max(1, replicationFactor - 1);
    }

    /**
     * The topics as they are created where missing, with {@code replicationFactor} replicas and
     * {@code min.insync.replicas} one less (at least 1).
     */
    public List<NewTopic> newTopics(int replicationFactor) {
        if (replicationFactor < 1 || replicationFactor > Short.MAX_VALUE) {
            throw new IllegalArgumentException("replication factor must be 1 to " + Short.MAX_VALUE
                    + ", got " + replicationFactor);
        }
        String minInsync = Integer.toString(minInsyncReplicasFor(replicationFactor));
        Map<String, String> common = Map.of(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInsync);
        List<NewTopic> topics = new ArrayList<>();
        topics.add(topic(cloneRequests(), requestPartitions, replicationFactor, common));
        topics.add(topic(events(), eventPartitions, replicationFactor, common));
        topics.add(topic(status(), statusPartitions, replicationFactor, Map.of(
                TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, minInsync,
                TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT)));
        topics.add(topic(deadLetters(), dlqPartitions, replicationFactor, common));
        topics.add(topic(guestEvents(), guestEventPartitions, replicationFactor, common));
        return topics;
    }

    private static NewTopic topic(String name, int partitions, int replicationFactor, Map<String, String> configs) {
        return new NewTopic(name, partitions, (short) replicationFactor).configs(configs);
    }

    /**
     * What {@link #reconcile} did and found.
     *
     * @param created the topics this call created
     * @param warnings one sentence per topic that works but is weaker than this layout wants (fewer
     *     replicas or partitions than configured), naming the topic, what it has and what it should have
     * @param replicationFactor the replication factor this layout wants on this cluster
     */
    public record Reconciliation(List<String> created, List<String> warnings, int replicationFactor) {
        public Reconciliation {
            created = List.copyOf(created);
            warnings = List.copyOf(warnings);
        }
    }

    /**
     * {@link #reconcile} for callers that only need the created topics; each warning is logged.
     *
     * @return the names of the topics this call created
     * @throws TopicLayoutException as {@link #reconcile}
     */
    public List<String> ensure(Admin admin, long timeoutMillis) {
        Reconciliation result = reconcile(admin, timeoutMillis);
        for (String warning : result.warnings()) {
            LOG.warn(warning);
        }
        return result.created();
    }

    /**
     * Creates the topics that are missing and checks the ones that exist. A status topic without
     * compaction is an error: its readers would lose the latest state of clones. A topic with fewer
     * replicas or partitions than this layout wants on this cluster is a warning of the result.
     *
     * @return what was created and what is weaker than it should be
     * @throws TopicLayoutException when a topic exists with settings that break the contract, when topics are
     *     missing that this principal may not create (its cause a {@code TopicAuthorizationException} naming
     *     them), or the cluster cannot be reached within the timeout
     */
    public Reconciliation reconcile(Admin admin, long timeoutMillis) {
        Objects.requireNonNull(admin, "admin");
        try {
            int brokers = admin.describeCluster().nodes().get(timeoutMillis, TimeUnit.MILLISECONDS).size();
            int wanted = replicationFactor > 0 ? replicationFactor : replicationFactorFor(Math.max(1, brokers));
            Set<String> existing = admin.listTopics().names().get(timeoutMillis, TimeUnit.MILLISECONDS);
            List<NewTopic> missing = new ArrayList<>();
            for (NewTopic topic : newTopics(wanted)) {
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
                        if (e.getCause() instanceof TopicAuthorizationException) {
                            throw notAuthorized(missing, e.getCause());
                        }
                        if (!(e.getCause() instanceof TopicExistsException)) {
                            throw e; // another process may create it at the same moment: that is fine
                        }
                    }
                }
                LOG.info("created topics {} with replication factor {}", created, wanted);
            }
            long visibleBy = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
            List<String> warnings = whenVisible(visibleBy, () -> check(admin, timeoutMillis, wanted, brokers));
            whenVisible(visibleBy, () -> awaitLeadersServe(admin, created, timeoutMillis));
            return new Reconciliation(created, warnings, wanted);
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

    /**
     * This principal sees none of {@code missing} (no DESCRIBE, so they do not exist for it) and may not
     * create them: the cause names them, so that the refusal a person reads says which topics.
     */
    private static TopicLayoutException notAuthorized(List<NewTopic> missing, Throwable refusal) {
        Set<String> names = new LinkedHashSet<>();
        missing.forEach(topic -> names.add(topic.name()));
        TopicAuthorizationException cause = new TopicAuthorizationException("Not authorized to describe or create topics: "
                + names, names);
        cause.addSuppressed(refusal);
        return new TopicLayoutException("the Kafka principal may not create the clonefarm topics " + names
                + ", which it does not see (it may not DESCRIBE them, or they do not exist)", cause);
    }

    private static TopicLayoutException unreachable(long timeoutMillis, Throwable cause) {
        return new TopicLayoutException("the Kafka cluster did not answer within " + timeoutMillis
                + " ms while creating the clonefarm topics; check --bootstrap-servers and that the"
                + " brokers are up", cause);
    }

    /**
     * Waits until the leader of every partition of the topics just created answers for it. The topic check
     * sees leaders in the controller's metadata a moment before the brokers act on it; an idempotent producer
     * with several requests in flight that writes in that moment can have a later batch appended before its
     * first one, whose retries then fail with OUT_OF_ORDER_SEQUENCE_NUMBER until they expire (KAFKA-15591):
     * records lost. ListOffsets is answered by a partition's leader only, and the admin client retries it
     * until the leader serves.
     */
    private static Void awaitLeadersServe(Admin admin, List<String> topics, long timeoutMillis)
            throws InterruptedException, ExecutionException, TimeoutException {
        if (topics.isEmpty()) {
            return null;
        }
        Map<TopicPartition, OffsetSpec> partitions = new HashMap<>();
        for (TopicDescription description : admin.describeTopics(topics).allTopicNames()
                .get(timeoutMillis, TimeUnit.MILLISECONDS).values()) {
            for (var partition : description.partitions()) {
                partitions.put(new TopicPartition(description.name(), partition.partition()), OffsetSpec.latest());
            }
        }
        admin.listOffsets(partitions).all().get(timeoutMillis, TimeUnit.MILLISECONDS);
        return null;
    }

    /** A step of {@link #reconcile} that asks the brokers about topics. */
    private interface BrokerQuery<T> {
        T ask() throws InterruptedException, ExecutionException, TimeoutException;
    }

    /**
     * New topics take a moment to reach every broker's metadata (describe, or a leader's ListOffsets, answers
     * UNKNOWN_TOPIC_OR_PARTITION meanwhile): asks again until then, until {@code deadline} ({@link System#nanoTime}).
     */
    private static <T> T whenVisible(long deadline, BrokerQuery<T> query)
            throws InterruptedException, ExecutionException, TimeoutException {
        while (true) {
            try {
                return query.ask();
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException) || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private List<String> check(Admin admin, long timeoutMillis, int wantedReplicas, int brokers)
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
        Map<String, Integer> expected = partitionCounts();
        List<String> warnings = new ArrayList<>();
        for (String name : allTopics()) {
            TopicDescription description = descriptions.get(name);
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
                warnings.add("topic " + description.name() + " has " + partitions + " partitions, fewer than the "
                        + expected.get(description.name()) + " configured: fewer workers can share it");
            }
            int replicas = Integer.MAX_VALUE;
            for (var partition : description.partitions()) {
                replicas = Math.min(replicas, partition.replicas().size());
            }
            if (replicas < wantedReplicas) {
                warnings.add("topic " + description.name() + " has replication factor " + replicas + ", lower than the "
                        + wantedReplicas + (replicationFactor > 0 ? " configured" : " this cluster of " + brokers
                        + " brokers allows") + ": a broker that fails takes records or the farm's progress with it;"
                        + " raise it with kafka-reassign-partitions.sh (docs/kafka.md)");
            }
        }
        return warnings;
    }

    /** Partition counts by topic name, as configured. */
    public Map<String, Integer> partitionCounts() {
        Map<String, Integer> counts = new LinkedHashMap<>();
        counts.put(cloneRequests(), requestPartitions);
        counts.put(events(), eventPartitions);
        counts.put(status(), statusPartitions);
        counts.put(deadLetters(), dlqPartitions);
        counts.put(guestEvents(), guestEventPartitions);
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

        /**
         * Replication factor of created topics, and the least an existing topic should have; -1 (the
         * default) is {@link #replicationFactorFor min(3, brokers)} of the cluster at hand.
         */
        public Builder replicationFactor(int value) {
            if (value != -1 && (value < 1 || value > Short.MAX_VALUE)) {
                throw new IllegalArgumentException("replication factor must be -1 (min(3, brokers)) or 1 to "
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
