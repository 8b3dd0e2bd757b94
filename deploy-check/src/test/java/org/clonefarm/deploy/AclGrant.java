package org.clonefarm.deploy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;

/**
 * One allowed operation of one principal on one resource, in Kafka's own terms, so that the ACL table
 * of docs/deploy.md, Strimzi's KafkaUsers and the compose setup script compare as equal sets.
 *
 * @param principal the user name, without {@code User:}
 */
record AclGrant(String principal, ResourceType resourceType, String name, PatternType pattern, AclOperation operation)
        implements Comparable<AclGrant> {

    /** The start of the table's header line in docs/deploy.md. */
    static final String TABLE_HEADER = "| principal | resource | name | pattern | operations |";

    /**
     * A grant from names as a person writes them: {@code topic}, {@code prefixed} (Strimzi's
     * {@code prefix} too), {@code DescribeConfigs}; each must name a value of Kafka's enums.
     */
    static AclGrant of(String principal, String resourceType, String name, String pattern, String operation) {
        ResourceType type = ResourceType.valueOf(resourceType.trim().toUpperCase(Locale.ROOT));
        String patternName = pattern.trim().equalsIgnoreCase("prefix") ? "prefixed" : pattern.trim();
        PatternType patternType = PatternType.valueOf(patternName.toUpperCase(Locale.ROOT));
        String snake = operation.trim().replaceAll("([a-z])([A-Z])", "$1_$2").toUpperCase(Locale.ROOT);
        return new AclGrant(principal.trim(), type, name.trim(), patternType, AclOperation.valueOf(snake));
    }

    /**
     * The grants of the ACL table in a markdown text: the table whose header is {@link #TABLE_HEADER},
     * one row per principal and resource, the operations separated by commas.
     */
    static Set<AclGrant> fromTable(String markdown) {
        List<String> lines = markdown.lines().toList();
        int header = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).trim().equals(TABLE_HEADER)) {
                if (header >= 0) {
                    throw new IllegalArgumentException("two ACL tables: one source of truth only");
                }
                header = i;
            }
        }
        if (header < 0) {
            throw new IllegalArgumentException("no ACL table with the header " + TABLE_HEADER);
        }
        Set<AclGrant> grants = new TreeSet<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).trim().startsWith("|"); i++) {
            List<String> cells = cells(lines.get(i));
            if (cells.size() != 5) {
                throw new IllegalArgumentException("ACL table row " + (i + 1) + " has " + cells.size() + " cells: " + lines.get(i));
            }
            for (String operation : cells.get(4).split(",")) {
                grants.add(of(unquote(cells.get(0)), cells.get(1), unquote(cells.get(2)), cells.get(3), operation));
            }
        }
        return grants;
    }

    private static List<String> cells(String row) {
        String trimmed = row.trim();
        List<String> cells = new ArrayList<>();
        for (String cell : trimmed.substring(1, trimmed.length() - 1).split("\\|", -1)) {
            cells.add(cell.trim());
        }
        return cells;
    }

    private static String unquote(String cell) {
        return cell.replace("`", "");
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
