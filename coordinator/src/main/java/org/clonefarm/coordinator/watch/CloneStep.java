package org.clonefarm.coordinator.watch;

/**
 * The steps of a clone's life whose durations the dashboard shows. Each step lies between two
 * milestones of the clone's current attempt, each milestone being the first fact of its kind
 * (event time):
 *
 * <pre>
 * planned --queue--> copy started --copy--> copied --start--> guest started --boot--> agent started
 *     --finalize--> rebooting --reboot--> READY          (no reboot, RO root: finalize ends at READY)
 * </pre>
 *
 * <ul>
 *   <li>planned: ClonePlanned, or RetryRequested for a later attempt;</li>
 *   <li>copy started: CopyStarted, or the first CopyProgress / DiskCopied when no CopyStarted came;</li>
 *   <li>copied: CloneCopied;</li>
 *   <li>guest started: GuestStarted, CP's answer to XAUTOLOG (start waits for a slot of the start
 *       concurrency, then for CP);</li>
 *   <li>agent started: the guest agent's first fact (AgentStarted, or a later agent step when that
 *       one was lost);</li>
 *   <li>rebooting: Rebooting; READY: Ready.</li>
 * </ul>
 */
public enum CloneStep {
    QUEUE("queue", "waiting for a worker"),
    COPY("copy", "copying"),
    START("start", "waiting to start"),
    BOOT("boot", "booting to the agent"),
    FINALIZE("finalize", "finalizing"),
    REBOOT("reboot", "rebooting");

    private final String id;
    private final String label;

    CloneStep(String id, String label) {
        this.id = id;
        this.label = label;
    }

    /** The step's name in the API: {@code copy}, {@code finalize}, ... */
    public String id() {
        return id;
    }

    /** What a person calls it: {@code waiting to start}. */
    public String label() {
        return label;
    }
}
