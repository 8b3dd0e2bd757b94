package org.clonefarm.coordinator.orchestration;

import java.time.Duration;
import java.util.Objects;

/**
 * How the coordinator drives clones after their copy.
 *
 * @param startConcurrency XAUTOLOGs in flight at once (real sites serialise some of these steps), 1-256
 * @param copyStallTimeout a COPYING clone with no copy event for this long fails (retryable)
 * @param bootTimeout a STARTING, FINALIZING or REBOOTING clone with no event for this long fails (retryable)
 * @param checkInterval how often the timeouts are checked
 */
public record OrchestrationSettings(int startConcurrency, Duration copyStallTimeout, Duration bootTimeout,
        Duration checkInterval) {

    public static final int DEFAULT_START_CONCURRENCY = 8;
    public static final Duration DEFAULT_COPY_STALL_TIMEOUT = Duration.ofMinutes(10);
    public static final Duration DEFAULT_BOOT_TIMEOUT = Duration.ofMinutes(15);
    public static final Duration DEFAULT_CHECK_INTERVAL = Duration.ofSeconds(5);

    public OrchestrationSettings {
        if (startConcurrency < 1 || startConcurrency > 256) {
            throw new IllegalArgumentException("start concurrency must be 1-256, got " + startConcurrency);
        }
        positive("copy stall timeout", copyStallTimeout);
        positive("boot timeout", bootTimeout);
        positive("timeout check interval", checkInterval);
    }

    public static OrchestrationSettings defaults() {
        return new OrchestrationSettings(DEFAULT_START_CONCURRENCY, DEFAULT_COPY_STALL_TIMEOUT, DEFAULT_BOOT_TIMEOUT,
                DEFAULT_CHECK_INTERVAL);
    }

    private static void positive(String name, Duration value) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive, got " + value);
        }
    }
}
