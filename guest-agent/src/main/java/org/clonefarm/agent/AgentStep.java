package org.clonefarm.agent;

/**
 * The steps of the guest agent, as named in {@code AgentFailed.step} events. The names are part of
 * the Kafka contract: the coordinator and dashboards show them, so they never change.
 */
public enum AgentStep {
    /** Loading and validating the agent properties file. */
    AGENT_CONFIG("agent-config"),
    /** Asking CP (or the local runtime) who this guest is. */
    IDENTIFY("identify"),
    /** Reading and validating this clone's entry of the NAMES file. */
    READ_CONFIG("read-config"),
    /** Writing hostname, hosts, DNS, network, identity resets under the guest root. */
    CONFIGURE("configure"),
    /** Removing the finalize marker. */
    REMOVE_MARKER("remove-marker"),
    /** Running the reboot command. */
    REBOOT("reboot"),
    /** Reporting READY after the reboot (or from the initrd). */
    REPORT_READY("report-ready"),
    /** Writing to or reading the local event spool. */
    SPOOL("spool");

    private final String wireName;

    AgentStep(String wireName) {
        this.wireName = wireName;
    }

    /** The name in {@code AgentFailed.step}. */
    public String wireName() {
        return wireName;
    }
}
