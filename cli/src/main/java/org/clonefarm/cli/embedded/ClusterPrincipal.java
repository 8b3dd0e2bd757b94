package org.clonefarm.cli.embedded;

import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.clonefarm.coordinator.service.GuestFactRelay;
import org.clonefarm.messaging.TopicLayout;

/**
 * The SCRAM users of a secured {@link LocalKafkaCluster}, one per component, and the least privilege
 * each gets: the one home of the ACL table (the README shows it, in "Run it on your Kafka"). The
 * coordinator and the workers also check at start that their principal holds their row
 * ({@code FarmConnection.requireRightsOf}), on any cluster.
 *
 * <table>
 *   <caption>ACLs ({@code P} = the topic prefix, {@code clonefarm.} by default)</caption>
 *   <tr><th>principal</th><th>topics</th><th>group</th><th>transactional id</th></tr>
 *   <tr><td>coordinator</td><td>P clone-requests WRITE; P events READ, WRITE; P status READ, WRITE; P dlq WRITE;
 *       P guest-events READ; prefix P DESCRIBE, DESCRIBE_CONFIGS</td><td>P guest-relay READ (the fold reads
 *       with assign(), the guest fact relay in this group)</td><td>P guest-relay WRITE</td></tr>
 *   <tr><td>worker</td><td>P clone-requests READ; P events READ, WRITE; P dlq WRITE; prefix P DESCRIBE,
 *       DESCRIBE_CONFIGS</td><td>the workers' group READ</td><td>none</td></tr>
 *   <tr><td>guest</td><td>P guest-events WRITE, nothing else</td><td>none</td><td>none</td></tr>
 *   <tr><td>operator</td><td>prefix P CREATE, DESCRIBE, DESCRIBE_CONFIGS; P clone-requests WRITE; P events
 *       READ, WRITE; P status READ; P dlq READ</td><td>none</td><td>none</td></tr>
 * </table>
 *
 * <p>Why: every component checks the topics at start ({@link TopicLayout#reconcile}: list, describe,
 * the status topic's {@code cleanup.policy}), hence DESCRIBE and DESCRIBE_CONFIGS on the prefix. An
 * idempotent producer needs only WRITE on its topics (KIP-679). The coordinator's {@link GuestFactRelay}
 * reads the guests' topic in its consumer group and writes the events and dead letters in transactions
 * with the consumed offsets, hence READ on that group and WRITE on its transactional id (which implies
 * DESCRIBE). Only the operator creates topics, so no
 * service needs CREATE. The operator's commands ({@code submit}, {@code retry}, {@code cancel},
 * {@code status}, {@code watch}) publish and fold as the coordinator does. The brokers' own principal
 * ({@value #BROKER}) is the only super user. Kafka ACLs never look at record keys: a principal that may
 * write a topic may write any key.
 */
public enum ClusterPrincipal {
    COORDINATOR("coordinator"),
    WORKER("worker"),
    GUEST("guest"),
    OPERATOR("operator");

    /** The brokers' own principal (SCRAM between brokers, the certificate's CN between controllers). */
    public static final String BROKER = "broker";

    private final String user;

    ClusterPrincipal(String user) {
        this.user = user;
    }

    /** The SCRAM user name, and {@code User:<name>} the principal. */
    public String user() {
        return user;
    }

    /** The client properties file of this principal in {@code <data>/security/}. */
    public String propertiesFileName() {
        return user + ".properties";
    }

    /**
     * This principal's ACLs for the topics of {@code topics}.
     *
     * @param workerGroup the consumer group the workers join
     * @throws IllegalArgumentException when the topic prefix is empty (the ACLs are prefixed)
     */
    public List<AclBinding> acls(TopicLayout topics, String workerGroup) {
        if (topics.prefix().isEmpty()) {
            throw new IllegalArgumentException("a secured cluster needs a topic prefix: its ACLs are given by prefix");
        }
        List<AclBinding> acls = new ArrayList<>();
        switch (this) {
            case COORDINATOR:
                topic(acls, topics.cloneRequests(), AclOperation.WRITE);
                topic(acls, topics.events(), AclOperation.READ, AclOperation.WRITE);
                topic(acls, topics.status(), AclOperation.READ, AclOperation.WRITE);
                topic(acls, topics.deadLetters(), AclOperation.WRITE);
                topic(acls, topics.guestEvents(), AclOperation.READ);
                prefix(acls, topics.prefix(), AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
                acls.add(allow(new ResourcePattern(ResourceType.GROUP, GuestFactRelay.groupId(topics), PatternType.LITERAL),
                        AclOperation.READ));
                acls.add(allow(new ResourcePattern(ResourceType.TRANSACTIONAL_ID, GuestFactRelay.transactionalId(topics),
                        PatternType.LITERAL), AclOperation.WRITE));
                break;
            case WORKER:
                topic(acls, topics.cloneRequests(), AclOperation.READ);
                topic(acls, topics.events(), AclOperation.READ, AclOperation.WRITE);
                topic(acls, topics.deadLetters(), AclOperation.WRITE);
                prefix(acls, topics.prefix(), AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
                acls.add(allow(new ResourcePattern(ResourceType.GROUP, workerGroup, PatternType.LITERAL), AclOperation.READ));
                break;
            case GUEST:
                topic(acls, topics.guestEvents(), AclOperation.WRITE);
                break;
            case OPERATOR:
                prefix(acls, topics.prefix(), AclOperation.CREATE, AclOperation.DESCRIBE, AclOperation.DESCRIBE_CONFIGS);
                topic(acls, topics.cloneRequests(), AclOperation.WRITE);
                topic(acls, topics.events(), AclOperation.READ, AclOperation.WRITE);
                topic(acls, topics.status(), AclOperation.READ);
                topic(acls, topics.deadLetters(), AclOperation.READ);
                break;
            default:
                throw new IllegalStateException("no ACLs for " + this);
        }
        return acls;
    }

    private void topic(List<AclBinding> acls, String topic, AclOperation... operations) {
        for (AclOperation operation : operations) {
            acls.add(allow(new ResourcePattern(ResourceType.TOPIC, topic, PatternType.LITERAL), operation));
        }
    }

    private void prefix(List<AclBinding> acls, String prefix, AclOperation... operations) {
        for (AclOperation operation : operations) {
            acls.add(allow(new ResourcePattern(ResourceType.TOPIC, prefix, PatternType.PREFIXED), operation));
        }
    }

    private AclBinding allow(ResourcePattern resource, AclOperation operation) {
        return new AclBinding(resource, new AccessControlEntry("User:" + user, "*", operation, AclPermissionType.ALLOW));
    }
}
