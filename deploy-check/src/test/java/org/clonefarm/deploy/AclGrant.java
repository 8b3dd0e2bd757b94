package org.clonefarm.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.clonefarm.cli.embedded.ClusterPrincipal;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.worker.service.WorkerConfig;

/**
 * One allowed operation of one principal on one resource, in Kafka's own terms, so that the code's ACLs
 * ({@link ClusterPrincipal}, their one home), the table of the README, Strimzi's KafkaUsers and the
 * compose setup script compare as equal sets.
 *
 * @param principal the user name, without {@code User:}
 */
record AclGrant(String principal, ResourceType resourceType, String name, PatternType pattern, AclOperation operation)
        implements Comparable<AclGrant> {

    /** The start of the header line of the README's ACL table; each further column is a resource type. */
    static final String TABLE_HEADER = "| principal | topics |";
    /** How the table writes the topic prefix. */
    private static final String PREFIX_PLACEHOLDER = "P";
    private static final Pattern TABLE_ITEM = Pattern.compile("(prefix\\s+)?`([^`]+)`\\s+(.+)");

    /**
     * A grant from names as a person writes them: {@code topic}, {@code prefixed} (Strimzi's
     * {@code prefix} too), {@code DescribeConfigs} or {@code DESCRIBE_CONFIGS}; each must name a value of
     * Kafka's enums.
     */
    static AclGrant of(String principal, String resourceType, String name, String pattern, String operation) {
        ResourceType type = ResourceType.valueOf(snakeCase(resourceType));
        String patternName = pattern.trim().equalsIgnoreCase("prefix") ? "prefixed" : pattern.trim();
        PatternType patternType = PatternType.valueOf(patternName.toUpperCase(Locale.ROOT));
        return new AclGrant(principal.trim(), type, name.trim(), patternType, AclOperation.valueOf(snakeCase(operation)));
    }

    /** Kafka's enum name of {@code DescribeConfigs}, {@code transactionalId}, {@code transactional-id} or {@code group}. */
    private static String snakeCase(String name) {
        return name.trim().replaceAll("([a-z])([A-Z])", "$1_$2").replace('-', '_').replace(' ', '_').toUpperCase(Locale.ROOT);
    }

    /** The grant of an ACL binding that allows a {@code User:} principal from any host. */
    static AclGrant of(AclBinding binding) {
        if (binding.entry().permissionType() != AclPermissionType.ALLOW || !binding.entry().host().equals("*")
                || !binding.entry().principal().startsWith("User:")) {
            throw new IllegalArgumentException("not an allow of a user from any host: " + binding);
        }
        return new AclGrant(binding.entry().principal().substring("User:".length()), binding.pattern().resourceType(),
                binding.pattern().name(), binding.pattern().patternType(), binding.entry().operation());
    }

    /**
     * The ACLs of every {@link ClusterPrincipal} for the default topics and the workers' default group:
     * what the deployment files must grant.
     */
    static Set<AclGrant> ofClusterPrincipals() {
        Set<AclGrant> grants = new TreeSet<>();
        for (ClusterPrincipal principal : ClusterPrincipal.values()) {
            for (AclBinding binding : principal.acls(TopicLayout.defaults(), WorkerConfig.DEFAULT_GROUP)) {
                grants.add(of(binding));
            }
        }
        return grants;
    }

    /**
     * The grants of the ACL table of a Markdown page (its header starts with {@link #TABLE_HEADER}),
     * read for the default prefix. The topics column holds items separated by {@code ;}, each
     * {@code `P name` OPERATIONS} (a literal topic), {@code prefix `P` OPERATIONS} (the prefix) or
     * {@code nothing else}; each further column is named for a resource type ({@code group},
     * {@code transactional id}) and holds {@code `name` OPERATIONS} items or a text starting with {@code none}.
     *
     * @throws IllegalArgumentException for a second table, a row it cannot read or an operation or
     *     resource type Kafka does not have
     */
    static Set<AclGrant> fromTable(String markdown) {
        List<String> lines = markdown.lines().toList();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().startsWith(TABLE_HEADER)) {
                if (header >= 0) {
                    throw new IllegalArgumentException("two ACL tables: one home only");
                }
                header = i;
            }
        }
        if (header < 0) {
            throw new IllegalArgumentException("no ACL table with a header starting " + TABLE_HEADER);
        }
        List<String> columns = cells(lines.get(header));
        Set<AclGrant> grants = new TreeSet<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).trim().startsWith("|"); i++) {
            List<String> cells = cells(lines.get(i));
            if (cells.size() != columns.size()) {
                throw new IllegalArgumentException("ACL table row " + (i + 1) + " has " + cells.size() + " cells, the header "
                        + columns.size() + ": " + lines.get(i));
            }
            String principal = cells.get(0).replace("`", "");
            for (int column = 1; column < columns.size(); column++) {
                String type = column == 1 ? "topic" : columns.get(column);
                String cell = cells.get(column);
                if (column > 1 && cell.startsWith("none")) {
                    continue;
                }
                for (String item : cell.split(";")) {
                    if (!(column == 1 && item.trim().equals("nothing else"))) {
                        addItem(grants, principal, type, item, i + 1);
                    }
                }
            }
        }
        return grants;
    }

    private static void addItem(Set<AclGrant> grants, String principal, String type, String item, int line) {
        Matcher m = TABLE_ITEM.matcher(item.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("ACL table line " + line + ": cannot read '" + item.trim() + "'");
        }
        boolean prefixed = m.group(1) != null;
        String name = m.group(2);
        if (name.equals(PREFIX_PLACEHOLDER)) {
            name = TopicLayout.DEFAULT_PREFIX;
        } else if (name.startsWith(PREFIX_PLACEHOLDER + " ")) {
            name = TopicLayout.DEFAULT_PREFIX + name.substring(2);
        }
        for (String operation : m.group(3).split(",")) {
            grants.add(of(principal, type, name, prefixed ? "prefixed" : "literal", operation));
        }
    }

    private static List<String> cells(String row) {
        String trimmed = row.trim();
        List<String> cells = new ArrayList<>();
        for (String cell : trimmed.substring(1, trimmed.length() - 1).split("\\|", -1)) {
            cells.add(cell.trim());
        }
        return cells;
    }

    @Override
    public int compareTo(AclGrant other) {
        return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
        return principal + " " + operation + " " + resourceType + " " + name + " (" + pattern + ")";
    }
}
