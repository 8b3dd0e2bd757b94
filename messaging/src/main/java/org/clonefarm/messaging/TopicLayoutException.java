package org.clonefarm.messaging;

/** The cluster's topics cannot be created or do not fit the clonefarm contract. Not retryable as is. */
public class TopicLayoutException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TopicLayoutException(String message) {
        super(message);
    }

    public TopicLayoutException(String message, Throwable cause) {
        super(message, cause);
    }
}
