package org.clonefarm.coordinator.simulation;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.clonefarm.coordinator.commands.BatchCommands;
import org.clonefarm.coordinator.plan.BatchPlan;
import org.clonefarm.coordinator.plan.BatchPlanner;
import org.clonefarm.coordinator.plan.DirectoryPlanner;
import org.clonefarm.coordinator.publish.NamesFileWriter;
import org.clonefarm.coordinator.publish.BatchPublisher;
import org.clonefarm.coordinator.publish.RequestLog;
import org.clonefarm.coordinator.spec.SpecParser;
import org.clonefarm.coordinator.state.CloneStateMachine;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.Cancelled;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.proto.RetryRequested;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link BatchCommands} on the local simulation: submit writes the CP directory
 * ({@code <data>/directory/USER.DIRECT}) and the NAMES file on the master's config disk
 * ({@link CloneLayout.Role#CONFIG}, 0191) under the
 * directory lock, then publishes the batch's events and one clone request per clone.
 *
 * <p>Order, and why: directory and NAMES first (a crash leaves entries marked with the batch, which
 * a second submit of the same spec takes over), events last (so nothing is copied for a clone whose
 * entry is not in the directory). Submitting the same spec again finds the batch in the events and
 * changes nothing; a changed spec under an existing batch name is refused.
 *
 * <p>Thread-safe: submits are serialised by the directory lock; the state comes from
 * {@code state}, a live fold (the coordinator service) or a fresh snapshot (the command line).
 */
public final class SimulationBatchCommands implements BatchCommands {
    private static final Logger LOG = LoggerFactory.getLogger(SimulationBatchCommands.class);

    private final SimulationDataDirectory data;
    private final EventPublisher publisher;
    private final Supplier<CloneStateStore> state;
    private final BatchPublisher batchPublisher;
    private final CmsFileId namesFile;
    private final Duration lockWait;
    private final Clock clock;
    /** Submits block on files, the lock and the broker: they run here, never in the common pool. */
    private final java.util.concurrent.Executor executor = runnable -> {
        Thread thread = new Thread(runnable, "clonefarm-batch-command");
        thread.setDaemon(true);
        thread.start();
    };

    /**
     * @param requests which clones have a request already (a submit again sends the missing ones)
     * @param namesFile the NAMES file written on the master's config disk ({@link CloneLayout#NAMES_FILE}, which
     *     the guest agent reads by default)
     */
    public SimulationBatchCommands(SimulationDataDirectory data, EventPublisher publisher, Supplier<CloneStateStore> state,
            RequestLog requests, CmsFileId namesFile, Duration lockWait, Clock clock) {
        this.data = Objects.requireNonNull(data, "data");
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.state = Objects.requireNonNull(state, "state");
        this.batchPublisher = new BatchPublisher(publisher, requests);
        this.namesFile = Objects.requireNonNull(namesFile, "namesFile");
        this.lockWait = Objects.requireNonNull(lockWait, "lockWait");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public CompletableFuture<Submitted> submit(String specYaml) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return submitNow(specYaml);
            } catch (IOException e) {
                throw new CompletionException(new IOException("submit failed in " + data.root() + ": " + e.getMessage(), e));
            }
        }, executor);
    }

    private Submitted submitNow(String specYaml) throws IOException {
        SpecParser.Result parsed = new SpecParser().parse(specYaml);
        if (parsed.spec() == null || parsed.spec().batch() == null) {
            throw DirectoryPlanner.badSpec(parsed.problems());
        }
        String batch = parsed.spec().batch();
        String digest = BatchPlanner.digest(parsed.spec());
        CloneStateStore store = state.get();
        Submitted earlier = BatchPublisher.earlierSubmit(store, batch, digest);
        if (earlier != null) {
            int resent = batchPublisher.resendUnstarted(store, batch, clock.instant());
            if (resent > 0) {
                LOG.info("batch {} was submitted before; {} clones still PLANNED got their request again", batch, resent);
            }
            return new Submitted(earlier.batchId(), earlier.clones(), earlier.bytesToCopy(), true, resent);
        }
        BatchPlan plan;
        try (DirectoryLock.Held lock = DirectoryLock.acquire(data.root(), "submit " + batch, lockWait)) {
            UserDirectory directory = data.readDirectory();
            ExtentControl control = data.readExtentControl();
            plan = DirectoryPlanner.planConsistent(parsed, directory, control, clock);
            data.writeDirectory(directory);
            NamesFileWriter.writeToDisk(data.resolve(new Userid(plan.spec().master()), CloneLayout.Role.CONFIG.vaddr()),
                    namesFile, plan.names());
        }
        batchPublisher.publish(plan);
        LOG.info("submitted batch {}: {} clones, {} bytes to copy", batch, plan.clones(), plan.bytesToCopy());
        return new Submitted(batch, plan.clones(), plan.bytesToCopy(), false);
    }

    @Override
    public CompletableFuture<List<String>> retry(String batchId, List<String> userids) {
        return CompletableFuture.supplyAsync(() -> {
            CloneStateStore store = state.get();
            CloneEvent batchPlanned = requireBatch(store, batchId);
            List<CloneStatus> targets = select(store, batchId, userids,
                    s -> s.getState() == CloneState.CLONE_STATE_FAILED || s.getState() == CloneState.CLONE_STATE_CANCELLED,
                    "FAILED or CANCELLED");
            EventFactory events = publisher.events();
            List<CompletableFuture<RecordMetadata>> retries = new ArrayList<>();
            List<String> retried = new ArrayList<>();
            for (CloneStatus status : targets) {
                retries.add(publisher.publish(events.newEvent(batchId, status.getUserid(), status.getAttempt())
                        .setRetryRequested(RetryRequested.newBuilder().setNextAttempt(status.getAttempt() + 1)).build()));
                retried.add(status.getUserid());
            }
            // a worker copies an attempt only once the events show it was requested: facts before requests
            CompletableFuture.allOf(retries.toArray(CompletableFuture[]::new)).join();
            List<CompletableFuture<RecordMetadata>> requests = new ArrayList<>();
            for (CloneStatus status : targets) {
                ClonePlanned planned = store.plannedOf(status.getUserid());
                requests.add(publisher.publish(BatchPublisher.request(batchPlanned, status.getUserid(),
                        status.getAttempt() + 1, planned, clock.instant())));
            }
            CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new)).join();
            return retried;
        }, executor);
    }

    /**
     * {@inheritDoc}
     *
     * <p>Publishes one {@code RetryRequested} that says refresh per clone, and nothing else: the
     * coordinator service stops each guest and then publishes its request ({@code Orchestrator}), so no
     * worker writes a disk under a running guest.
     */
    @Override
    public CompletableFuture<Refreshed> refresh(String batchId, List<String> userids) {
        return CompletableFuture.supplyAsync(() -> {
            CloneStateStore store = state.get();
            requireBatch(store, batchId);
            List<CloneStatus> targets = select(store, batchId, userids,
                    s -> s.getState() == CloneState.CLONE_STATE_READY || s.getState() == CloneState.CLONE_STATE_FAILED,
                    "READY or FAILED");
            String version = masterVersion(clock.instant());
            List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
            for (CloneStatus status : targets) {
                sends.add(publisher.publish(publisher.events().newEvent(batchId, status.getUserid(), status.getAttempt())
                        .setRetryRequested(RetryRequested.newBuilder().setNextAttempt(status.getAttempt() + 1)
                                .setRefresh(true).setMasterVersion(version)).build()));
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
            return new Refreshed(targets.stream().map(CloneStatus::getUserid).toList(), version);
        }, executor);
    }

    /**
     * The name of the master's state a refresh copies: the time and a random part, unique per refresh command,
     * so a master changed again and refreshed again never finds the digests of its earlier state.
     */
    static String masterVersion(java.time.Instant now) {
        return java.time.format.DateTimeFormatter.ISO_INSTANT.format(now.truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
                + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    }

    @Override
    public CompletableFuture<List<String>> cancel(String batchId, List<String> userids) {
        return CompletableFuture.supplyAsync(() -> {
            CloneStateStore store = state.get();
            requireBatch(store, batchId);
            List<CloneStatus> targets = select(store, batchId, userids,
                    s -> s.getState() != CloneState.CLONE_STATE_READY && s.getState() != CloneState.CLONE_STATE_CANCELLED,
                    "neither READY nor CANCELLED");
            List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
            List<String> cancelled = new ArrayList<>();
            for (CloneStatus status : targets) {
                sends.add(publisher.publish(publisher.events().newEvent(batchId, status.getUserid(), status.getAttempt())
                        .setCancelled(Cancelled.newBuilder().setReason("cancelled by the operator")).build()));
                cancelled.add(status.getUserid());
            }
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
            return cancelled;
        }, executor);
    }

    private static CloneEvent requireBatch(CloneStateStore store, String batchId) {
        CloneEvent planned = store.batchPlanned(batchId);
        if (planned == null) {
            throw new BatchCommandException(BatchCommandException.Kind.NOT_FOUND, "there is no batch " + batchId
                    + " (batches: " + new java.util.TreeSet<>(store.batchIds()) + ")", List.of());
        }
        return planned;
    }

    private static List<CloneStatus> select(CloneStateStore store, String batchId, List<String> userids,
            java.util.function.Predicate<CloneStatus> eligible, String wanted) {
        List<CloneStatus> all = store.clonesOf(batchId);
        if (userids == null || userids.isEmpty()) {
            return all.stream().filter(eligible).toList();
        }
        Map<String, CloneStatus> byUserid = new java.util.HashMap<>();
        all.forEach(s -> byUserid.put(s.getUserid(), s));
        List<CloneStatus> chosen = new ArrayList<>();
        for (String userid : userids) {
            CloneStatus status = byUserid.get(userid.toUpperCase(java.util.Locale.ROOT));
            if (status == null) {
                throw new BatchCommandException(BatchCommandException.Kind.NOT_FOUND, userid + " is not a clone of batch "
                        + batchId, List.of());
            }
            if (!eligible.test(status)) {
                throw new BatchCommandException(BatchCommandException.Kind.CONFLICT, userid + " is "
                        + CloneStateMachine.simpleName(status.getState()) + ", not " + wanted, List.of());
            }
            chosen.add(status);
        }
        return chosen;
    }
}
