package org.clonefarm.platform.simulation;

/**
 * The local simulation's data directory cannot answer: a missing userid, minidisk or volume image,
 * an image of the wrong size, a V-DISK asked for bytes. The message names the file or entry and
 * what to do. Not retryable: the data directory must change.
 */
public class SimulationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public SimulationException(String message) {
        super(message);
    }

    public SimulationException(String message, Throwable cause) {
        super(message, cause);
    }
}
