package org.clonefarm.cli.embedded;

import java.util.Locale;

/** How the clients of a {@link LocalKafkaCluster} reach it. */
public enum ClusterSecurity {
    /** PLAINTEXT on loopback, no authentication, no ACLs: one machine, one user. */
    NONE("none"),
    /**
     * SASL_SSL: TLS with the cluster's own CA (hostname verification on), SCRAM-SHA-512 users per
     * component, StandardAuthorizer with least-privilege ACLs ({@link ClusterPrincipal}).
     */
    SASL_SSL("sasl-ssl");

    private final String option;

    ClusterSecurity(String option) {
        this.option = option;
    }

    /** The name on the command line and in the cluster's files. */
    public String option() {
        return option;
    }

    /**
     * @throws IllegalArgumentException naming the value and the choices
     */
    public static ClusterSecurity parse(String value) {
        String wanted = value == null ? "" : value.trim().toLowerCase(Locale.ROOT);
        for (ClusterSecurity security : values()) {
            if (security.option.equals(wanted)) {
                return security;
            }
        }
        throw new IllegalArgumentException("security '" + value + "' is not one of: none, sasl-ssl");
    }

    @Override
    public String toString() {
        return option;
    }
}
