package org.clonefarm.coordinator.orchestration;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.clonefarm.coordinator.service.EventFolder;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateMachine;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.coordinator.state.FoldOutcome;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.proto.BatchCompleted;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneFailed;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.proto.Failure;
import org.clonefarm.proto.GuestStartRequested;
import org.clonefarm.proto.GuestStarted;
import org.clonefarm.proto.GuestStopped;
import org.clonefarm.proto.Ready;
import org.clonefarm.coordinator.publish.BatchPublisher;
import org.clonefarm.proto.ClonePlanned;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives clones after their copy: a clone that reaches COPIED is started (XAUTOLOG) on a bounded
 * pool; a clone that stays too long without news fails, retryable; a batch whose clones have all
 * finished gets its batch-completed event. A clone asked to refresh (a {@code RetryRequested} that says
 * refresh) is stopped first (FORCE, {@code GuestStopped}) and only then gets its request, so no worker
 * writes under a running guest; a refresh whose copy found the master unchanged ({@code
 * CloneCopied.unchanged}) is started again and stated READY by the coordinator, since its agent reported
 * READY already with these disks and reports it once per clone.
 *
 * <p>Acts only on live events: during the replay at start nothing is started twice. When the replay
 * is done ({@link #onCaughtUp()}), clones left in COPIED by a previous coordinator are started, and
 * clones caught booting are started again (see there).
 * Every action is an event on the events topic, and the state changes when that event is folded
 * back, so a coordinator that dies between the two loses nothing: its successor sees the state.
 *
 * <p>Thread-safety: {@link #onFolded} runs on the folding thread; starts run on the pool; timeouts
 * on a timer thread. All shared sets are concurrent.
 */
public final class Orchestrator implements EventFolder.Listener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Orchestrator.class);

    private final CloneStateStore store;
    private final EventPublisher publisher;
    private final GuestStarter starter;
    private final OrchestrationSettings settings;
    private final Clock clock;
    private final ExecutorService startPool;
    private final ScheduledExecutorService timer;
    private final Set<String> starts = ConcurrentHashMap.newKeySet();
    private final Set<String> refreshes = ConcurrentHashMap.newKeySet();
    private final Set<String> timedOut = ConcurrentHashMap.newKeySet();
    private final Set<String> completedBatches = ConcurrentHashMap.newKeySet();
    private volatile boolean caughtUp;

    public Orchestrator(CloneStateStore store, EventPublisher publisher, GuestStarter starter,
            OrchestrationSettings settings, Clock clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.starter = Objects.requireNonNull(starter, "starter");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.startPool = Executors.newFixedThreadPool(settings.startConcurrency(), daemon("clonefarm-xautolog"));
        this.timer = Executors.newSingleThreadScheduledExecutor(daemon("clonefarm-timeouts"));
    }

    @Override
    public void onFolded(CloneEvent event, FoldOutcome outcome, boolean live) {
        if (!live || outcome.kind() != FoldOutcome.Kind.APPLIED) {
            return;
        }
        CloneStatus status = outcome.status();
        switch (event.getFactCase()) {
            case CLONE_COPIED -> {
                if (status.getState() == CloneState.CLONE_STATE_COPIED) {
                    startGuest(status, event.getCloneCopied().getUnchanged());
                }
            }
            case RETRY_REQUESTED -> {
                if (event.getRetryRequested().getRefresh() && status.getState() == CloneState.CLONE_STATE_PLANNED) {
                    stopAndRequest(status);
                }
            }
            default -> { }
        }
        if (CloneStateMachine.isTerminal(status.getState())) {
            completeBatchIfFinished(status.getBatchId());
        }
    }

    /** Called once the replay is done: picks up what a previous coordinator left, starts the timeouts. */
    public void onCaughtUp() {
        caughtUp = true;
        for (CloneStatus status : store.allStatuses()) {
            switch (status.getState()) {
                // COPIED: the previous coordinator died before XAUTOLOG. STARTING to REBOOTING: the guest
                // may have died with it (the local simulation runs guests in the coordinator's process);
                // XAUTOLOG again is harmless for one that runs ("already logged on"), and the agent's
                // finalize is idempotent, so a restarted guest finishes where the first one stopped.
                case CLONE_STATE_COPIED, CLONE_STATE_STARTING, CLONE_STATE_FINALIZING, CLONE_STATE_REBOOTING ->
                        startGuest(status, false);
                // a refresh whose request may not have been published: stop the guest and publish it again
                // (a request delivered twice is copied once; FORCE of a stopped guest changes nothing)
                case CLONE_STATE_PLANNED -> {
                    if (!status.getRefreshVersion().isEmpty()) {
                        stopAndRequest(status);
                    }
                }
                default -> { }
            }
        }
        for (String batch : store.batchIds()) {
            completeBatchIfFinished(batch);
        }
        long interval = settings.checkInterval().toMillis();
        timer.scheduleWithFixedDelay(this::checkTimeoutsSafely, interval, interval, TimeUnit.MILLISECONDS);
    }

    /** FORCE, {@code GuestStopped}, then the refresh request of the clone's current attempt, on the pool. */
    private void stopAndRequest(CloneStatus status) {
        String userid = status.getUserid();
        int attempt = status.getAttempt();
        if (!refreshes.add(userid + "#" + attempt)) {
            return;
        }
        startPool.execute(() -> {
            EventFactory events = publisher.events();
            String reply;
            try {
                reply = starter.stop(userid);
                LOG.info("stopped {} to refresh it: {}", userid, reply);
            } catch (GuestStarter.GuestStartException | RuntimeException e) {
                LOG.warn("FORCE {} failed, the refresh does not go on: {}", userid, e.getMessage());
                boolean retryable = !(e instanceof GuestStarter.GuestStartException gse) || gse.retryable();
                publisher.publish(failed(status, "force", "FORCE " + userid + " failed: " + e.getMessage(), retryable)).join();
                return;
            }
            publisher.publish(events.newEvent(status.getBatchId(), userid, attempt)
                    .setGuestStopped(GuestStopped.newBuilder().setReply(reply)).build()).join();
            CloneEvent batchPlanned = store.batchPlanned(status.getBatchId());
            ClonePlanned planned = store.plannedOf(userid);
            if (batchPlanned == null || planned == null) {
                LOG.error("refresh of {}: its batch {} or its plan is not known; no request published", userid,
                        status.getBatchId());
                return;
            }
            publisher.publish(BatchPublisher.request(batchPlanned, userid, attempt, planned, clock.instant()).toBuilder()
                    .setRefresh(true).setMasterVersion(status.getRefreshVersion()).build()).join();
        });
    }

    private void startGuest(CloneStatus status, boolean unchangedRefresh) {
        String userid = status.getUserid();
        int attempt = status.getAttempt();
        if (!starts.add(userid + "#" + attempt)) {
            return; // already started for this attempt
        }
        startPool.execute(() -> {
            EventFactory events = publisher.events();
            publisher.publish(events.newEvent(status.getBatchId(), userid, attempt)
                    .setGuestStartRequested(GuestStartRequested.getDefaultInstance()).build()).join();
            CloneEvent result;
            try {
                String reply = starter.start(userid);
                result = events.newEvent(status.getBatchId(), userid, attempt)
                        .setGuestStarted(GuestStarted.newBuilder().setReply(reply)).build();
                LOG.info("started {}: {}", userid, reply);
                if (unchangedRefresh) {
                    publisher.publish(result).join();
                    result = events.newEvent(status.getBatchId(), userid, attempt)
                            .setReady(Ready.newBuilder().setBoot(0)).build();
                }
            } catch (GuestStarter.GuestStartException | RuntimeException e) {
                boolean retryable = !(e instanceof GuestStarter.GuestStartException gse) || gse.retryable();
                LOG.warn("XAUTOLOG {} failed: {}", userid, e.getMessage());
                result = failed(status, "xautolog", "XAUTOLOG " + userid + " failed: " + e.getMessage(), retryable);
            }
            publisher.publish(result).join();
        });
    }

    private CloneEvent failed(CloneStatus status, String step, String reason, boolean retryable) {
        return publisher.events().newEvent(status.getBatchId(), status.getUserid(), status.getAttempt())
                .setCloneFailed(CloneFailed.newBuilder().setFailure(Failure.newBuilder()
                        .setStep(step).setReason(reason).setRetryable(retryable)))
                .build();
    }

    private void checkTimeoutsSafely() {
        try {
            checkTimeouts();
        } catch (RuntimeException e) {
            LOG.error("timeout check failed; trying again in {}", settings.checkInterval(), e);
        }
    }

    /** Fails clones that have waited too long in a state (visible for testing). */
    void checkTimeouts() {
        Instant now = clock.instant();
        for (CloneStatus status : store.allStatuses()) {
            Duration limit;
            String step;
            switch (status.getState()) {
                case CLONE_STATE_COPYING -> {
                    limit = settings.copyStallTimeout();
                    step = "copy";
                }
                case CLONE_STATE_STARTING, CLONE_STATE_FINALIZING, CLONE_STATE_REBOOTING -> {
                    limit = settings.bootTimeout();
                    step = status.getStep().isEmpty() ? "boot" : status.getStep();
                }
                default -> {
                    continue;
                }
            }
            Duration waited = Duration.between(EventFactory.instant(status.getUpdatedAt()), now);
            if (waited.compareTo(limit) <= 0) {
                continue;
            }
            String key = status.getUserid() + "#" + status.getAttempt() + "#" + status.getState() + "#"
                    + status.getLastEventId();
            if (!timedOut.add(key)) {
                continue;
            }
            String reason = "no news for " + waited.toSeconds() + " s in state "
                    + CloneStateMachine.simpleName(status.getState()) + " (limit " + limit.toSeconds() + " s)";
            LOG.warn("{} timed out: {}", status.getUserid(), reason);
            publisher.publish(failed(status, step, reason, true));
        }
    }

    private void completeBatchIfFinished(String batchId) {
        if (!caughtUp) {
            return;
        }
        BatchSummary summary = store.batch(batchId);
        if (summary == null || !summary.allFinished() || summary.completed()
                || !completedBatches.add(batchId + "#" + summary.retries())) {
            return;
        }
        LOG.info("batch {} finished: {} ready, {} failed, {} cancelled", batchId,
                summary.count(CloneState.CLONE_STATE_READY), summary.count(CloneState.CLONE_STATE_FAILED),
                summary.count(CloneState.CLONE_STATE_CANCELLED));
        publisher.publish(publisher.events().newEvent(batchId, "", 0)
                .setBatchCompleted(BatchCompleted.newBuilder()
                        .setTotal(summary.clones())
                        .setReady(summary.count(CloneState.CLONE_STATE_READY))
                        .setFailed(summary.count(CloneState.CLONE_STATE_FAILED))
                        .setCancelled(summary.count(CloneState.CLONE_STATE_CANCELLED))
                        .setRetries(summary.retries()))
                .build());
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        startPool.shutdown();
        if (!startPool.awaitTermination(30, TimeUnit.SECONDS)) {
            startPool.shutdownNow();
        }
    }

    private static ThreadFactory daemon(String name) {
        AtomicInteger count = new AtomicInteger();
        return runnable -> {
            Thread thread = new Thread(runnable, name + "-" + count.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        };
    }
}
