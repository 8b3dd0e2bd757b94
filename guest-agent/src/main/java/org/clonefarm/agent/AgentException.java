package org.clonefarm.agent;

import java.util.Objects;

/**
 * A step of the guest agent failed. The message is one plain sentence naming what failed (the
 * userid, the file, the value), fit for an {@code AgentFailed} event and for the command line.
 * {@link #retryable()} says whether running the agent again may succeed without anyone changing
 * anything (a disk not online yet, a busy device), or not (an entry missing, a malformed value).
 */
public class AgentException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final AgentStep step;
    private final boolean retryable;

    public AgentException(AgentStep step, String reason, boolean retryable) {
        this(step, reason, retryable, null);
    }

    public AgentException(AgentStep step, String reason, boolean retryable, Throwable cause) {
        super(reason, cause);
        this.step = Objects.requireNonNull(step, "step");
        this.retryable = retryable;
    }

    public AgentStep step() {
        return step;
    }

    public boolean retryable() {
        return retryable;
    }
}
