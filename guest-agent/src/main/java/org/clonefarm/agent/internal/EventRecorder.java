package org.clonefarm.agent.internal;

import java.io.IOException;
import org.clonefarm.agent.AgentException;
import org.clonefarm.agent.AgentStep;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.proto.AgentFailed;
import org.clonefarm.proto.CloneEvent;

/**
 * Builds the agent's events and appends each to the spool before the run goes on. Who the events
 * are about (userid, batch, attempt) is filled in as the run learns it. Not thread-safe.
 */
public final class EventRecorder {
    private final EventSpool spool;
    private EventFactory factory = new EventFactory("agent");
    private String userid = "";
    private String batchId = "";
    private int attempt;

    public EventRecorder(EventSpool spool) {
        this.spool = spool;
    }

    /** From now on events are about this clone, produced by {@code agent-<userid>}. */
    public void about(String userid, String batchId, int attempt) {
        this.userid = userid;
        this.batchId = batchId;
        this.attempt = attempt;
        this.factory = new EventFactory("agent-" + userid);
    }

    /** The batch the events are about now (empty before it is known). */
    public String batchId() {
        return batchId;
    }

    /** The attempt the events are about now (0 while unknown). */
    public int attempt() {
        return attempt;
    }

    public String producerId() {
        return factory.producerId();
    }

    public CloneEvent.Builder event() {
        return factory.newEvent(batchId, userid, attempt);
    }

    /**
     * Appends the event to the spool, forced to disk.
     *
     * @throws AgentException (step spool, retryable) when the spool cannot take it
     */
    public CloneEvent record(CloneEvent.Builder builder) {
        CloneEvent event = builder.build();
        try {
            spool.append(event);
        } catch (IOException e) {
            throw new AgentException(AgentStep.SPOOL, "cannot write event " + event.getFactCase() + " to the spool in "
                    + spool.directory() + ": " + e.getMessage(), true, e);
        }
        return event;
    }

    /** Records an {@code AgentFailed} for the exception; a spool failure is added to it as suppressed. */
    public void recordFailure(AgentException failure) {
        try {
            record(event().setAgentFailed(AgentFailed.newBuilder().setStep(failure.step().wireName())
                    .setReason(failure.getMessage() == null ? failure.toString() : failure.getMessage())
                    .setRetryable(failure.retryable())));
        } catch (AgentException spoolError) {
            failure.addSuppressed(spoolError);
        }
    }
}
