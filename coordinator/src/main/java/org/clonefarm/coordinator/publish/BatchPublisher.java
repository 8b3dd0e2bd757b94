package org.clonefarm.coordinator.publish;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.clonefarm.coordinator.commands.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.commands.BatchCommands.Submitted;
import org.clonefarm.coordinator.plan.BatchPlan;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.proto.BatchPlanned;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CloneState;
import org.clonefarm.proto.CloneStatus;
import org.clonefarm.proto.DiskAction;

/**
 * The last step of every submit, whichever directory manager wrote the entries: the batch's
 * {@code BatchPlanned} event, one {@code ClonePlanned} event per clone, then one clone request per
 * clone. The events are acknowledged before the first request is sent: the coordinator knows a clone
 * before a worker reports on it, and a worker finds the plan it checks every request against
 * (requests are signed with the farm key by the {@link EventPublisher}).
 *
 * <p>Also the idempotence check that comes first: a batch whose {@code BatchPlanned} is in the
 * events topic was submitted; the same spec again changes nothing, another spec is refused. A submit
 * that ended between its events and its requests (a crash, a lost connection) is completed by the
 * same submit again: {@link #resendUnstarted} gives every clone still PLANNED that has no request on
 * the requests topic its request, rebuilt from its {@code ClonePlanned}.
 * Thread-safe as far as the {@link EventPublisher} is.
 */
public final class BatchPublisher {
    private final EventPublisher publisher;
    private final RequestLog requests;

    /** @param requests which clones already have a request (for {@link #resendUnstarted}) */
    public BatchPublisher(EventPublisher publisher, RequestLog requests) {
        this.publisher = Objects.requireNonNull(publisher, "publisher");
        this.requests = Objects.requireNonNull(requests, "requests");
    }

    /**
     * The earlier submit of {@code batch}, when the events say there was one.
     *
     * @return the earlier outcome (alreadySubmitted), or {@code null} when the batch is new
     * @throws BatchCommandException CONFLICT when the batch was submitted with another spec
     */
    public static Submitted earlierSubmit(CloneStateStore store, String batch, String specDigest) {
        CloneEvent planned = store.batchPlanned(batch);
        if (planned == null) {
            return null;
        }
        BatchPlanned facts = planned.getBatchPlanned();
        if (!facts.getSpecDigest().equals(specDigest)) {
            throw new BatchCommandException(BatchCommandException.Kind.CONFLICT, "batch " + batch
                    + " was submitted with another spec; submit the changed spec under a new batch name", List.of());
        }
        return new Submitted(batch, facts.getClones(), facts.getBytesTotal(), true);
    }

    /**
     * Publishes the request (attempt 1) of every clone of {@code batch} that is still PLANNED and has no
     * request on the requests topic, and waits until the broker has them.
     *
     * @return how many requests were published
     */
    public int resendUnstarted(CloneStateStore store, String batch, Instant now) {
        CloneEvent batchPlanned = store.batchPlanned(batch);
        if (batchPlanned == null) {
            return 0;
        }
        List<CloneStatus> unstarted = store.clonesOf(batch).stream()
                .filter(s -> s.getState() == CloneState.CLONE_STATE_PLANNED && s.getAttempt() <= 1).toList();
        if (unstarted.isEmpty()) {
            return 0;
        }
        Set<String> requested = requests.requestedUserids(batch);
        List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
        for (CloneStatus status : unstarted) {
            ClonePlanned planned = store.plannedOf(status.getUserid());
            if (planned != null && !requested.contains(status.getUserid())) {
                sends.add(publisher.publish(request(batchPlanned, status.getUserid(), 1, planned, now)));
            }
        }
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
        return sends.size();
    }

    /** The request of one clone's attempt, rebuilt from its batch's and its own planning facts. */
    public static CloneRequest request(CloneEvent batchPlanned, String userid, int attempt, ClonePlanned planned,
            Instant now) {
        return CloneRequest.newBuilder()
                .setBatchId(batchPlanned.getBatchId()).setRequestId(UUID.randomUUID().toString())
                .setUserid(userid).setAttempt(attempt)
                .setProfile(batchPlanned.getBatchPlanned().getProfile())
                .setMaster(batchPlanned.getBatchPlanned().getMaster())
                .addAllDisks(planned.getDisksList()).setSettings(planned.getSettings())
                .setCreatedAt(EventFactory.timestamp(now)).build();
    }

    /** Publishes the batch's events and requests and waits until the broker has them all. */
    public void publish(BatchPlan plan) {
        EventFactory events = publisher.events();
        String batch = plan.batchId();
        List<CompletableFuture<RecordMetadata>> sends = new ArrayList<>();
        BatchPlanned.Builder batchPlanned = BatchPlanned.newBuilder().setClones(plan.clones())
                .setBytesTotal(plan.bytesToCopy()).setProfile(plan.spec().profile().proto())
                .setMaster(plan.spec().master()).setSpecDigest(plan.specDigest());
        plan.requests().forEach(r -> batchPlanned.addUserids(r.getUserid()));
        sends.add(publisher.publish(events.newEvent(batch, "", 0).setBatchPlanned(batchPlanned).build()));
        for (CloneRequest request : plan.requests()) {
            long bytes = request.getDisksList().stream()
                    .filter(d -> d.getAction() == DiskAction.DISK_ACTION_COPY)
                    .mapToLong(d -> d.getSource().getByteLength()).sum();
            sends.add(publisher.publish(events.newEvent(batch, request.getUserid(), 1)
                    .setClonePlanned(ClonePlanned.newBuilder().setSettings(request.getSettings())
                            .setBytesTotal(bytes).addAllDisks(request.getDisksList()))
                    .build()));
        }
        // a worker copies a request only once the events show its plan: every fact acknowledged first
        CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new)).join();
        List<CompletableFuture<RecordMetadata>> requests = new ArrayList<>();
        for (CloneRequest request : plan.requests()) {
            requests.add(publisher.publish(request));
        }
        CompletableFuture.allOf(requests.toArray(CompletableFuture[]::new)).join();
    }
}
