package org.clonefarm.worker.copy.internal;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The start line of copies started together as one fan-out ({@code CopyEngine.copyAll}): each copy {@linkplain
 * #arrive arrives} once it joined its {@link SharedScan} (or once it ends before that: refused, nothing to copy), and
 * none reads a chunk before all arrived, so every copy is in the scan when the first chunk is read and none copies
 * alone a chunk the others read just before it came. Thread-safe.
 */
public final class FanOutStart {
    /** How long a copy waits for the others (they only resolve their plan and load their checkpoints meanwhile). */
    private static final long WAIT_SECONDS = 30;

    private final CountDownLatch waiting;

    /** @param copies how many copies must arrive */
    public FanOutStart(int copies) {
        this.waiting = new CountDownLatch(copies);
    }

    /** One copy is in its scan (or ended); called once per copy. */
    void arrive() {
        waiting.countDown();
    }

    /** Waits until every copy arrived (at most {@value #WAIT_SECONDS} s: then it goes on alone). */
    void awaitOthers() {
        try {
            waiting.await(WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
