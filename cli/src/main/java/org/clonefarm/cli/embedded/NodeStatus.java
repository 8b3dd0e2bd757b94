package org.clonefarm.cli.embedded;

import java.util.OptionalLong;

/**
 * One node of a {@link LocalKafkaCluster} as {@code clonefarm kafka status} shows it.
 *
 * @param node the node id (1..n)
 * @param pid its process, when it runs
 * @param port its client port
 * @param state running, stopped or not ready
 */
public record NodeStatus(int node, OptionalLong pid, int port, State state) {

    /** Where a node is. */
    public enum State {
        /** Its process runs and the cluster counts it among its live brokers. */
        RUNNING("running"),
        /** No process (never started, stopped, or killed). */
        STOPPED("stopped"),
        /** Its process runs but it does not serve yet (starting, or cut off from the controller quorum). */
        NOT_READY("not-ready");

        private final String word;

        State(String word) {
            this.word = word;
        }

        @Override
        public String toString() {
            return word;
        }
    }

    /** {@code node=1 pid=4242 port=40123 state=running} ({@code pid=-} when it does not run). */
    public String line() {
        return "node=" + node + " pid=" + (pid.isPresent() ? Long.toString(pid.getAsLong()) : "-") + " port=" + port
                + " state=" + state;
    }
}
