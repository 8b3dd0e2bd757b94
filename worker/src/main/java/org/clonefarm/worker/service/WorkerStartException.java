package org.clonefarm.worker.service;

/**
 * A worker could not start: its checkpoint store is held by another process, the HTTP port is taken,
 * or the Kafka cluster cannot be reached. The message names the resource; starting again once it is
 * free can succeed.
 */
public class WorkerStartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public WorkerStartException(String message, Throwable cause) {
        super(message, cause);
    }
}
