package org.clonefarm.cli.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.ids.Userid;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bookkeeping both guest runtimes share: one running guest per userid, its outcome, refusal after close. */
class GuestLogonsTest {
    private static final Userid LINUX001 = Userid.of("LINUX001");

    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final GuestLogons<CountDownLatch, String> logons = new GuestLogons<>("the test runtime", executor);

    @AfterEach
    void stopExecutor() throws InterruptedException {
        logons.close();
        logons.shutdownNow(Duration.ofSeconds(10));
    }

    /** A second XAUTOLOG of a running guest is refused; once it has ended, the next logon runs and its outcome is the latest. */
    @Test
    void aRunningGuestIsRefusedASecondLogonUntilItHasEnded() throws Exception {
        CountDownLatch first = new CountDownLatch(1);
        startUntilReleased(first, "first");

        assertThatThrownBy(() -> logons.start(LINUX001, new CountDownLatch(0), () -> "second"))
                .isInstanceOf(IllegalStateException.class).hasMessage("the guest of LINUX001 is still running");
        assertThat(logons.running()).containsExactly(LINUX001);

        first.countDown();
        assertThat(logons.outcome(LINUX001).orElseThrow().get(10, TimeUnit.SECONDS)).isEqualTo("first");
        assertThat(logons.running()).isEmpty();
        startUntilReleased(new CountDownLatch(0), "second");
        assertThat(logons.outcome(LINUX001).orElseThrow().get(10, TimeUnit.SECONDS)).isEqualTo("second");
    }

    /** halt stops the running guest and returns once its outcome is there; a userid that never booted has none. */
    @Test
    void haltStopsTheGuestAndWaitsForItsOutcome() throws Exception {
        CountDownLatch guest = new CountDownLatch(1);
        startUntilReleased(guest, "halted");

        logons.halt(LINUX001, CountDownLatch::countDown, Duration.ofSeconds(10));

        assertThat(logons.outcome(LINUX001).orElseThrow()).isCompletedWithValue("halted");
        assertThat(logons.outcome(Userid.of("LINUX002"))).isEmpty();
    }

    /** After close no guest boots, with the runtime's sentence; only the first close reports that it closed. */
    @Test
    void afterCloseEveryBootIsRefusedAndNothingIsRegistered() {
        assertThat(logons.close()).isTrue();
        assertThat(logons.close()).isFalse();

        assertThatThrownBy(() -> logons.start(LINUX001, new CountDownLatch(0), () -> "never"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the test runtime is closed; LINUX001 cannot boot");
        assertThat(logons.running()).isEmpty();
        assertThat(logons.outcome(LINUX001)).isEmpty();
    }

    /** An executor that refuses the logon leaves neither the guest nor an outcome behind. */
    @Test
    void aLogonTheExecutorRefusesLeavesNothingRegistered() throws InterruptedException {
        logons.shutdown(Duration.ofSeconds(10));

        assertThatThrownBy(() -> logons.start(LINUX001, new CountDownLatch(0), () -> "never"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("the test runtime is closed; LINUX001 cannot boot");
        assertThat(logons.running()).isEmpty();
        assertThat(logons.outcome(LINUX001)).isEmpty();
    }

    /** Starts LINUX001 as a guest that runs until {@code guest} is counted down, then ends with {@code outcome}. */
    private void startUntilReleased(CountDownLatch guest, String outcome) {
        logons.start(LINUX001, guest, () -> {
            try {
                guest.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            logons.ended(LINUX001, guest);
            return outcome;
        });
    }
}
