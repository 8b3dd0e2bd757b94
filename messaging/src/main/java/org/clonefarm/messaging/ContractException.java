package org.clonefarm.messaging;

/**
 * A record does not fit the clonefarm contract. Never retryable: the record goes to the dead-letter
 * topic with this message as the reason.
 */
public class ContractException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ContractException(String message) {
        super(message);
    }

    public ContractException(String message, Throwable cause) {
        super(message, cause);
    }
}
