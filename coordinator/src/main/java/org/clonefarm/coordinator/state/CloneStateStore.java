package org.clonefarm.coordinator.state;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.CloneSettings;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.proto.Failure;
import org.clonefarm.proto.Progress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The coordinator's state: a fold of the events topic into one {@link CloneStatus} per clone and one
 * summary per batch. Folding the same events in the same order gives the same state, bit for bit:
 * every timestamp comes from the events, none from the clock, so a restarted coordinator that
 * replays the topic from the start has exactly the state it had.
 *
 * <p>Duplicates are dropped by event id. Progress facts carry absolute byte counts, so applying one
 * twice changes nothing; their ids are not remembered, which keeps memory at a few dozen ids per
 * clone however long its copy runs.
 *
 * <p>Thread-safety: one thread folds ({@link #apply}); any number of threads read
 * ({@link #status}, {@link #batch}, {@link #history}) concurrently. Readers see each clone's latest
 * status snapshot (immutable) and consistent batch counts.
 */
public final class CloneStateStore {
    private static final Logger LOG = LoggerFactory.getLogger(CloneStateStore.class);
    /** Facts kept per clone for the clone detail view; progress is not kept. */
    static final int HISTORY_LIMIT = 64;

    private final Map<String, CloneRecord> clones = new ConcurrentHashMap<>();
    private final Map<String, BatchRecord> batches = new ConcurrentHashMap<>();
    /** Ignored events so far, for rate-limiting their log lines; writer thread only. */
    private long ignored;

    /**
     * Folds one event. Must be called by one thread at a time, in topic order per clone.
     */
    public FoldOutcome apply(CloneEvent event) {
        FactCase fact = event.getFactCase();
        if (fact == FactCase.BATCH_PLANNED || fact == FactCase.BATCH_COMPLETED) {
            BatchRecord batch = batches.computeIfAbsent(event.getBatchId(), BatchRecord::new);
            batch.record(event);
            return FoldOutcome.batch();
        }
        String userid = event.getUserid();
        if (userid.isEmpty()) {
            ignored++;
            return FoldOutcome.ignored(null, fact + " event " + event.getEventId() + " names no clone");
        }
        CloneRecord clone = clones.get(userid);
        if (clone == null) {
            if (fact != FactCase.CLONE_PLANNED) {
                ignored++;
                String reason = fact + " for " + userid + ", a clone that was never planned";
                logIgnored(event, reason);
                return FoldOutcome.ignored(null, reason);
            }
            clone = new CloneRecord(userid, event.getBatchId());
            clones.put(userid, clone);
        }
        if (!isProgress(fact) && !clone.seen.add(event.getEventId())) {
            return FoldOutcome.duplicate(clone.status);
        }
        CloneStatus before = clone.status;
        CloneStateMachine.Decision decision = CloneStateMachine.decide(before.getState(), before.getAttempt(), event);
        if (decision.kind() == CloneStateMachine.Decision.Kind.IGNORED) {
            ignored++;
            logIgnored(event, userid + ": " + decision.reason());
            return FoldOutcome.ignored(before, decision.reason());
        }
        CloneState target = decision.kind() == CloneStateMachine.Decision.Kind.MOVE ? decision.target() : before.getState();
        CloneStatus after = clone.next(event, target);
        clone.status = after;
        if (!isProgress(fact)) {
            clone.remember(event);
        }
        BatchRecord batch = batches.computeIfAbsent(clone.batchId, BatchRecord::new);
        batch.update(userid, before, after);
        return FoldOutcome.applied(after);
    }

    /** Ignored events are logged, the first ones in full, then one in a thousand: a flood must not drown the log. */
    private void logIgnored(CloneEvent event, String reason) {
        if (ignored <= 20 || ignored % 1000 == 0) {
            LOG.warn("ignored event {} ({} ignored so far): {}", event.getEventId(), ignored, reason);
        }
    }

    private static boolean isProgress(FactCase fact) {
        return fact == FactCase.COPY_PROGRESS;
    }

    /** The latest status of a clone, or null when no such clone was planned. */
    public CloneStatus status(String userid) {
        CloneRecord clone = clones.get(userid);
        return clone == null ? null : clone.status;
    }

    /** What the clone was planned with (disks, settings), or null for an unknown clone. */
    public org.clonefarm.proto.ClonePlanned plannedOf(String userid) {
        CloneRecord clone = clones.get(userid);
        return clone == null ? null : clone.planned;
    }

    /** The facts of a clone's life, oldest first, progress left out (at most {@value #HISTORY_LIMIT}). */
    public List<CloneEvent> history(String userid) {
        CloneRecord clone = clones.get(userid);
        if (clone == null) {
            return List.of();
        }
        synchronized (clone.history) {
            return new ArrayList<>(clone.history);
        }
    }

    /** A snapshot of a batch, or null when no event named it. */
    public BatchSummary batch(String batchId) {
        BatchRecord batch = batches.get(batchId);
        return batch == null ? null : batch.summary();
    }

    /** Ids of every batch seen, in no particular order. */
    public Set<String> batchIds() {
        return Set.copyOf(batches.keySet());
    }

    /** The statuses of a batch's clones, in userid order. */
    public List<CloneStatus> clonesOf(String batchId) {
        BatchRecord batch = batches.get(batchId);
        if (batch == null) {
            return List.of();
        }
        List<CloneStatus> statuses = new ArrayList<>();
        for (String userid : batch.userids()) {
            CloneStatus status = status(userid);
            if (status != null) {
                statuses.add(status);
            }
        }
        return statuses;
    }

    /** Every clone's status. */
    public Collection<CloneStatus> allStatuses() {
        List<CloneStatus> all = new ArrayList<>(clones.size());
        for (CloneRecord clone : clones.values()) {
            all.add(clone.status);
        }
        return all;
    }

    /** The batch-planned fact of a batch (spec digest, clones), or null. */
    public CloneEvent batchPlanned(String batchId) {
        BatchRecord batch = batches.get(batchId);
        return batch == null ? null : batch.plannedEvent;
    }

    /** One clone's mutable fold state; written by the folding thread only. */
    private static final class CloneRecord {
        final String userid;
        final String batchId;
        final Set<String> seen = new HashSet<>();
        final Map<String, Long> diskBytesDone = new HashMap<>();
        final Deque<CloneEvent> history = new ArrayDeque<>();
        long bytesTotal;
        volatile CloneStatus status;
        volatile org.clonefarm.proto.ClonePlanned planned;

        CloneRecord(String userid, String batchId) {
            this.userid = userid;
            this.batchId = batchId;
            this.status = CloneStatus.newBuilder().setUserid(userid).setBatchId(batchId)
                    .setState(CloneState.CLONE_STATE_UNSPECIFIED).build();
        }

        void remember(CloneEvent event) {
            synchronized (history) {
                if (history.size() == HISTORY_LIMIT) {
                    history.removeFirst();
                }
                history.addLast(event);
            }
        }

        CloneStatus next(CloneEvent event, CloneState target) {
            CloneStatus.Builder next = status.toBuilder()
                    .setState(target)
                    .setLastEventId(event.getEventId())
                    .setUpdatedAt(event.getTime());
            switch (event.getFactCase()) {
                case CLONE_PLANNED -> {
                    planned = event.getClonePlanned();
                    CloneSettings settings = event.getClonePlanned().getSettings();
                    bytesTotal = event.getClonePlanned().getBytesTotal();
                    next.setSettings(settings).setPlannedAt(event.getTime()).setStep("plan")
                            .setAttempt(Math.max(1, event.getAttempt()));
                }
                case COPY_STARTED -> {
                    if (event.getCopyStarted().getBytesTotal() > 0) {
                        bytesTotal = event.getCopyStarted().getBytesTotal();
                    }
                    next.setStep("copy");
                }
                case COPY_PROGRESS -> {
                    diskBytesDone.put(event.getCopyProgress().getVaddr(), event.getCopyProgress().getBytesDone());
                    next.setStep("copy");
                }
                case DISK_COPIED -> {
                    diskBytesDone.put(event.getDiskCopied().getVaddr(), event.getDiskCopied().getBytesTotal());
                    next.setStep("copy");
                }
                case CLONE_COPIED -> {
                    next.setStep("copied");
                    diskBytesDone.clear();
                    diskBytesDone.put("*", bytesTotal);
                }
                case GUEST_START_REQUESTED -> next.setStep("xautolog");
                case GUEST_STARTED -> next.setStep("started");
                case AGENT_STARTED -> next.setStep("agent-" + event.getAgentStarted().getMode());
                case IDENTIFIED -> next.setStep("identify");
                case CONFIG_READ -> next.setStep("read-config");
                case CONFIGURED -> next.setStep("configure");
                case FINALIZE_MARKER_REMOVED -> next.setStep("remove-marker");
                case REBOOTING -> next.setStep("reboot");
                case READY -> {
                    next.setStep("ready");
                    if (!next.hasReadyAt()) {
                        next.setReadyAt(event.getTime());
                        // the coordinator's own READY after an unchanged refresh names no address: keep the guest's
                        if (event.getReady().getConfiguredAddressesCount() > 0) {
                            next.clearConfiguredAddresses().addAllConfiguredAddresses(
                                    event.getReady().getConfiguredAddressesList());
                        }
                    }
                }
                case COPY_FAILED -> next.setStep("copy").setLastError(Failure.newBuilder().setStep("copy")
                        .setReason(describeCopyFailure(event)).setRetryable(event.getCopyFailed().getRetryable()));
                case AGENT_FAILED -> next.setStep(event.getAgentFailed().getStep()).setLastError(Failure.newBuilder()
                        .setStep(event.getAgentFailed().getStep()).setReason(event.getAgentFailed().getReason())
                        .setRetryable(event.getAgentFailed().getRetryable()));
                case CLONE_FAILED -> next.setStep(event.getCloneFailed().getFailure().getStep())
                        .setLastError(event.getCloneFailed().getFailure());
                case CANCELLED -> next.setStep("cancelled");
                case GUEST_STOPPED -> next.setStep("force");
                case RETRY_REQUESTED -> {
                    boolean refresh = event.getRetryRequested().getRefresh();
                    next.setStep(refresh ? "refresh" : "retry").setAttempt(event.getRetryRequested().getNextAttempt())
                            .setRefreshVersion(refresh ? event.getRetryRequested().getMasterVersion() : "")
                            .setRefreshes(status.getRefreshes() + (refresh ? 1 : 0))
                            .clearReadyAt();
                    if (!refresh) { // a refresh keeps its NAMES entry: its addresses stand until its next READY says
                        next.clearConfiguredAddresses();
                    }
                    diskBytesDone.clear();
                }
                case REQUEST_REJECTED -> {
                    return status; // kept in the history only: its claims are a stranger's, nothing was copied
                }
                default -> throw new IllegalStateException("no fold for " + event.getFactCase());
            }
            long done = 0;
            for (long bytes : diskBytesDone.values()) {
                done += bytes;
            }
            // Disks may report more than the plan counted (a copy rounded up to whole cylinders): progress never
            // passes the total when there is one; with no known total, it is what the disks reported.
            long shown = bytesTotal > 0 ? Math.min(done, bytesTotal) : done;
            next.setProgress(Progress.newBuilder().setBytesDone(shown)
                    .setBytesTotal(bytesTotal));
            return next.build();
        }

        private static String describeCopyFailure(CloneEvent event) {
            var failed = event.getCopyFailed();
            StringBuilder reason = new StringBuilder();
            if (!failed.getVaddr().isEmpty()) {
                reason.append("disk ").append(failed.getVaddr());
                if (failed.getOffset() >= 0) {
                    reason.append(" at byte ").append(failed.getOffset());
                }
                reason.append(": ");
            }
            return reason.append(failed.getReason()).toString();
        }
    }

    /** One batch's counts; updated by the folding thread, read by any, under its own lock. */
    private static final class BatchRecord {
        final String batchId;
        final Map<CloneState, Integer> counts = new EnumMap<>(CloneState.class);
        final Set<String> userids = new LinkedHashSet<>();
        final Map<String, long[]> bytes = new HashMap<>();
        long bytesDone;
        long bytesTotal;
        int completions;
        int retriesCovered;
        int retries;
        CloneEvent plannedEvent;

        BatchRecord(String batchId) {
            this.batchId = batchId;
        }

        synchronized void record(CloneEvent event) {
            if (event.getFactCase() == FactCase.BATCH_PLANNED) {
                if (plannedEvent == null) {
                    plannedEvent = event;
                }
            } else {
                retriesCovered = Math.max(retriesCovered, event.getBatchCompleted().getRetries());
                completions++;
            }
        }

        synchronized void update(String userid, CloneStatus before, CloneStatus after) {
            userids.add(userid);
            if (before.getState() != after.getState()) {
                if (before.getState() != CloneState.CLONE_STATE_UNSPECIFIED) {
                    counts.merge(before.getState(), -1, Integer::sum);
                    if (counts.get(before.getState()) == 0) {
                        counts.remove(before.getState());
                    }
                }
                counts.merge(after.getState(), 1, Integer::sum);
            }
            if (after.getAttempt() > before.getAttempt() && before.getAttempt() > 0) {
                retries += after.getAttempt() - before.getAttempt();
            }
            long[] previous = bytes.computeIfAbsent(userid, u -> new long[2]);
            bytesDone += after.getProgress().getBytesDone() - previous[0];
            bytesTotal += after.getProgress().getBytesTotal() - previous[1];
            previous[0] = after.getProgress().getBytesDone();
            previous[1] = after.getProgress().getBytesTotal();
        }

        /** The batch's clones in userid order (the fold meets them in partition order, which varies). */
        synchronized List<String> userids() {
            List<String> sorted = new ArrayList<>(userids);
            java.util.Collections.sort(sorted);
            return sorted;
        }

        synchronized BatchSummary summary() {
            int planned = plannedEvent == null ? 0 : plannedEvent.getBatchPlanned().getClones();
            int clones = Math.max(planned, userids.size());
            int finished = counts.getOrDefault(CloneState.CLONE_STATE_READY, 0)
                    + counts.getOrDefault(CloneState.CLONE_STATE_FAILED, 0)
                    + counts.getOrDefault(CloneState.CLONE_STATE_CANCELLED, 0);
            // completed: a batch-completed fact covers every retry so far, and nothing runs again;
            // both counts are order-free, so a replay in another interleaving agrees
            boolean completed = completions > 0 && retriesCovered >= retries && clones > 0 && finished == clones;
            return new BatchSummary(batchId, clones, Map.copyOf(counts), bytesDone, bytesTotal, completed, retries);
        }
    }
}
