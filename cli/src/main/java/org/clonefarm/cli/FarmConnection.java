package org.clonefarm.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.clonefarm.cli.console.Invocation;
import org.clonefarm.cli.embedded.ClusterPrincipal;
import org.clonefarm.cli.embedded.EmbeddedKafka;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLayoutException;

/**
 * How a short-lived command (submit, status, retry, cancel, watch) reaches the farm's Kafka: the
 * cluster given with {@code --bootstrap-servers}, else the embedded broker that {@code clonefarm up}
 * runs on the same data directory.
 *
 * @param settings the client settings
 * @param layout the topic names
 */
public record FarmConnection(KafkaSettings settings, TopicLayout layout) {

    /** Resolves the cluster and makes sure the topics exist. */
    public static FarmConnection open(KafkaOptions kafka, Path dataDirectory) {
        String servers = null;
        if (!kafka.clusterGiven()) {
            Optional<String> local = EmbeddedKafka.lastAddress(dataDirectory);
            if (local.isEmpty()) {
                throw UserError.usage("no Kafka cluster: give --bootstrap-servers HOST:PORT, or run '" + Invocation.command("up --data "
                        + dataDirectory) + "' in another shell first");
            }
            servers = local.get();
        }
        KafkaSettings settings = kafka.settings(servers);
        TopicLayout layout = kafka.topicLayout();
        try (Admin admin = Admin.create(settings.admin("clonefarm-cli"))) {
            layout.ensure(admin, 15_000);
        } catch (TopicLayoutException e) {
            throw new UserError(e.getMessage() + (kafka.clusterGiven() ? "" : " (is '" + Invocation.command("up --data "
                    + dataDirectory) + "' running?)"), e);
        }
        return new FarmConnection(settings, layout);
    }

    /**
     * Checks, before a long-running component starts, that its principal holds the topic and group ACLs that
     * {@code component} has in {@link ClusterPrincipal} (the one table of who needs what), as the cluster
     * reports them (describe with authorized operations, KIP-430). So a component started with another one's
     * client file stops at once, naming the rights it lacks, instead of failing at its first write (the
     * coordinator's first status record). A cluster without an authorizer allows everything and passes; rights
     * on a transactional id cannot be asked for ahead of use and are not checked; with an empty topic prefix
     * (which no prefixed ACL can cover) the check is skipped.
     *
     * @param workerGroup the workers' consumer group (for {@link ClusterPrincipal#WORKER})
     * @param clientFile the component's {@code --kafka-config}, named in the refusal, or null
     * @throws UserError naming each missing right, the principal, the cluster and what to do
     */
    void requireRightsOf(ClusterPrincipal component, String workerGroup, Path clientFile) {
        if (layout.prefix().isEmpty()) {
            return;
        }
        Map<String, List<AclOperation>> missing = new LinkedHashMap<>(); // resource -> operations it lacks
        try (Admin admin = Admin.create(settings.admin("clonefarm-rights-check"))) {
            Map<String, TopicDescription> topics = admin.describeTopics(layout.allTopics(),
                    new DescribeTopicsOptions().includeAuthorizedOperations(true)).allTopicNames().get(30, TimeUnit.SECONDS);
            for (AclBinding acl : component.acls(layout, workerGroup)) {
                ResourcePattern resource = acl.pattern();
                AclOperation operation = acl.entry().operation();
                if (resource.resourceType() == ResourceType.TOPIC) {
                    for (String name : layout.allTopics()) {
                        boolean covered = resource.patternType() == PatternType.PREFIXED
                                ? name.startsWith(resource.name()) : name.equals(resource.name());
                        Set<AclOperation> granted = topics.get(name).authorizedOperations();
                        if (covered && granted != null && !granted.contains(operation)) {
                            missing.computeIfAbsent("topic " + name, k -> new ArrayList<>()).add(operation);
                        }
                    }
                } else if (resource.resourceType() == ResourceType.GROUP && !groupAllows(admin, resource.name(), operation)) {
                    missing.computeIfAbsent("group " + resource.name(), k -> new ArrayList<>()).add(operation);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UserError("interrupted while checking the rights of the Kafka principal", e);
        } catch (ExecutionException e) {
            throw new UserError("cannot check the rights of the Kafka principal on the clonefarm topics: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new UserError("the Kafka cluster did not answer within 30 s while the rights of its principal were"
                    + " checked; check that the brokers are up", e);
        }
        if (!missing.isEmpty()) {
            KafkaRefusal.Client client = new KafkaRefusal.Client(settings.bootstrapServers(), clientFile,
                    settings.saslUsername());
            List<String> lacks = new ArrayList<>();
            missing.forEach((resource, operations) -> lacks.add(operations.stream().map(AclOperation::name)
                    .collect(Collectors.joining(", ")) + " on " + resource));
            throw new UserError(capitalized(client.principal()) + " lacks " + String.join("; ", lacks) + " on "
                    + client.cluster() + ", which the " + component.user() + " needs; start it with the "
                    + component.user() + "'s own client file (" + component.propertiesFileName() + " of 'clonefarm kafka"
                    + " start'), or grant these ACLs (" + KafkaRefusal.ACL_TABLE + ").");
        }
    }

    /**
     * Whether the principal may do {@code operation} on a consumer group, as far as the cluster tells: a group no
     * one has used yet only shows that it may DESCRIBE it, which is taken as allowed.
     */
    private static boolean groupAllows(Admin admin, String group, AclOperation operation)
            throws InterruptedException, ExecutionException, TimeoutException {
        try {
            ConsumerGroupDescription description = admin.describeConsumerGroups(List.of(group),
                    new DescribeConsumerGroupsOptions().includeAuthorizedOperations(true)).all()
                    .get(30, TimeUnit.SECONDS).get(group);
            Set<AclOperation> granted = description == null ? null : description.authorizedOperations();
            return granted == null || granted.contains(operation);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupAuthorizationException) {
                return false;
            }
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return true;
            }
            throw e;
        }
    }

    private static String capitalized(String text) {
        return Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
