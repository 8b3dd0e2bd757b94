package org.clonefarm.worker.disk;

import java.util.Locale;

/** Whether a worker tries CP FLASHCOPY before copying a disk's bytes itself. */
public enum FlashcopyPolicy {
    /** Try FLASHCOPY where the disk access can; when CP refuses, copy in chunks and say why in the event. */
    AUTO,
    /** Never try it: always the chunked, checkpointed copy. */
    NEVER,
    /** Only FLASHCOPY: a disk it cannot copy fails, not retryable (nothing is copied in chunks). */
    REQUIRED;

    /** The name in configuration and on the command line: {@code auto}, {@code never}, {@code required}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the allowed values */
    public static FlashcopyPolicy parse(String text) {
        for (FlashcopyPolicy policy : values()) {
            if (policy.configName().equals(text)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("FLASHCOPY policy '" + text + "' must be auto, never or required");
    }
}
