package org.clonefarm.cli;

import java.time.Duration;
import org.clonefarm.coordinator.orchestration.OrchestrationSettings;
import picocli.CommandLine.Option;

/** How the coordinator drives clones, a picocli mixin of {@code up}, {@code coordinator} and {@code demo}. */
public final class OrchestrationOptions {

    @Option(names = "--start-concurrency", paramLabel = "N", defaultValue = "" + OrchestrationSettings.DEFAULT_START_CONCURRENCY,
            description = "XAUTOLOGs in flight at once, 1-256 (default: ${DEFAULT-VALUE}).")
    int startConcurrency;

    /** Guests booting at once with the loop-mount runtime when --guest-concurrency is not given. */
    static final int LOOP_GUEST_CONCURRENCY = 4;

    @Option(names = "--guest-concurrency", paramLabel = "N",
            description = "Local simulation: guests booting at once, 1-64 (default: " + LOOP_GUEST_CONCURRENCY
                    + " with the loop-mount guests, " + GuestRuntimeOptions.QEMU_CONCURRENCY + " with --guests qemu).")
    Integer guestConcurrency;

    @Option(names = "--copy-stall-timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "A copying clone with no copy progress for this long fails, retryable (default: ${DEFAULT-VALUE}).")
    long copyStallSeconds;

    @Option(names = "--boot-timeout", paramLabel = "SECONDS", defaultValue = "900",
            description = "A started clone with no agent event for this long fails, retryable (default: ${DEFAULT-VALUE}).")
    long bootSeconds;

    OrchestrationSettings settings() {
        if (guestConcurrency != null && (guestConcurrency < 1 || guestConcurrency > 64)) {
            throw UserError.usage("--guest-concurrency " + guestConcurrency + " must be 1-64.");
        }
        try {
            return new OrchestrationSettings(startConcurrency, Duration.ofSeconds(copyStallSeconds),
                    Duration.ofSeconds(bootSeconds), OrchestrationSettings.DEFAULT_CHECK_INTERVAL);
        } catch (IllegalArgumentException e) {
            throw UserError.usage(e.getMessage()
                    + " (--start-concurrency, --copy-stall-timeout, --boot-timeout).");
        }
    }

    /** --guest-concurrency, or the loop-mount runtime's default. */
    int guestConcurrency() {
        return guestConcurrency(LOOP_GUEST_CONCURRENCY);
    }

    /** --guest-concurrency, or {@code fallback} when it was not given. */
    int guestConcurrency(int fallback) {
        return guestConcurrency != null ? guestConcurrency : fallback;
    }
}
