package org.clonefarm.coordinator.http;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.coordinator.commands.BatchCommands;
import org.clonefarm.coordinator.spec.PlannedClone;
import org.clonefarm.coordinator.spec.SpecParser;
import org.clonefarm.coordinator.spec.SpecValidator;
import org.clonefarm.coordinator.spec.SystemView;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.BatchCompleted;
import org.clonefarm.proto.BatchPlanned;
import org.clonefarm.proto.Cancelled;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CloneSettings;
import org.clonefarm.proto.ConfigRead;
import org.clonefarm.proto.Configured;
import org.clonefarm.proto.CopyProgress;
import org.clonefarm.proto.CopyStarted;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.proto.FinalizeMarkerRemoved;
import org.clonefarm.proto.GuestStartRequested;
import org.clonefarm.proto.GuestStarted;
import org.clonefarm.proto.Identified;
import org.clonefarm.proto.Profile;
import org.clonefarm.proto.Ready;
import org.clonefarm.proto.Rebooting;

/**
 * A STAND-IN for the coordinator's real {@link BatchCommands} (planner and publisher), used by the
 * HTTP tests until the real one lands: it validates the spec with the real {@link SpecValidator},
 * then plays workers and guest agents by publishing a realistic life for every clone to the real
 * events topic (planned, copy started, progress in quarters, disk copied, copied, XAUTOLOG, agent
 * steps, reboot, ready), one step every {@code stepDelay}, and finally BatchCompleted. Cancel
 * publishes Cancelled facts. Nothing is planned on disk.
 */
final class SyntheticLifecycleCommands implements BatchCommands, AutoCloseable {
    static final long DISK_BYTES = 64L * 1024 * 1024;
    private static final long COPY_STEP_MILLIS = 300;

    private final TopicLayout layout;
    private final KafkaProducer<String, byte[]> producer;
    private final EventFactory coordinator = new EventFactory("coordinator-test");
    private final EventFactory worker = new EventFactory("worker-test");
    private final Duration stepDelay;
    private final ExecutorService lives = Executors.newCachedThreadPool();
    private final Map<String, List<String>> batches = new ConcurrentHashMap<>();

    SyntheticLifecycleCommands(KafkaSettings settings, TopicLayout layout, Duration stepDelay) {
        this.layout = layout;
        this.producer = new KafkaProducer<>(settings.producer("synthetic-lifecycle"));
        this.stepDelay = stepDelay;
    }

    @Override
    public CompletableFuture<Submitted> submit(String specYaml) {
        SpecValidator.Validation validation = new SpecValidator(SystemView.NONE).validate(specYaml);
        if (!validation.ok()) {
            return CompletableFuture.failedFuture(new BatchCommandException(BatchCommandException.Kind.BAD_REQUEST,
                    "the clone spec has " + validation.problems().size() + " problem(s)", validation.problems()));
        }
        String batch = new SpecParser().parse(specYaml).spec().batch();
        List<String> userids = validation.clones().stream().map(PlannedClone::userid).toList();
        boolean again = batches.putIfAbsent(batch, userids) != null;
        if (!again) {
            send(coordinator.newEvent(batch, "", 0).setBatchPlanned(BatchPlanned.newBuilder()
                    .setClones(userids.size()).setBytesTotal(DISK_BYTES * userids.size())
                    .setProfile(Profile.PROFILE_RW_ROOT).setMaster("LNXMSTR").addAllUserids(userids)).build());
            for (PlannedClone clone : validation.clones()) {
                send(coordinator.newEvent(batch, clone.userid(), 1).setClonePlanned(ClonePlanned.newBuilder()
                        .setBytesTotal(DISK_BYTES).setSettings(CloneSettings.newBuilder()
                                .setHostname(clone.hostname()).setIpaddr(clone.ip()))).build());
            }
            producer.flush();
            lives.submit(() -> live(batch, userids));
        }
        return CompletableFuture.completedFuture(new Submitted(batch, userids.size(), DISK_BYTES * userids.size(), again));
    }

    private Void live(String batch, List<String> userids) throws InterruptedException {
        List<List<CloneEvent.Builder>> steps = new ArrayList<>();
        for (String u : userids) {
            EventFactory agent = new EventFactory("agent-" + u);
            steps.add(List.of(
                    worker.newEvent(batch, u, 1).setCopyStarted(CopyStarted.newBuilder().setWorkerId("w1").setDisks(1)
                            .setBytesTotal(DISK_BYTES)),
                    progress(batch, u, DISK_BYTES / 4), progress(batch, u, DISK_BYTES / 2),
                    progress(batch, u, DISK_BYTES * 3 / 4),
                    worker.newEvent(batch, u, 1).setDiskCopied(DiskCopied.newBuilder().setVaddr("0200")
                            .setBytesTotal(DISK_BYTES).setDigest("sha256:00").setBytesWritten(DISK_BYTES)),
                    worker.newEvent(batch, u, 1).setCloneCopied(CloneCopied.newBuilder().setBytesTotal(DISK_BYTES)),
                    coordinator.newEvent(batch, u, 1).setGuestStartRequested(GuestStartRequested.getDefaultInstance()),
                    coordinator.newEvent(batch, u, 1).setGuestStarted(GuestStarted.newBuilder().setReply("Command complete")),
                    agent.newEvent(batch, u, 0).setAgentStarted(AgentStarted.newBuilder().setMode("finalize").setBoot(1)),
                    agent.newEvent(batch, u, 0).setIdentified(Identified.newBuilder().setUserid(u)),
                    agent.newEvent(batch, u, 0).setConfigRead(ConfigRead.newBuilder().setNamesFile("LINUX NAMES")),
                    agent.newEvent(batch, u, 0).setConfigured(Configured.newBuilder().setDistribution("sles")),
                    agent.newEvent(batch, u, 0).setFinalizeMarkerRemoved(
                            FinalizeMarkerRemoved.newBuilder().setPath("/etc/rc.finalize")),
                    agent.newEvent(batch, u, 0).setRebooting(Rebooting.getDefaultInstance()),
                    agent.newEvent(batch, u, 0).setAgentStarted(AgentStarted.newBuilder().setMode("report-ready").setBoot(2)),
                    agent.newEvent(batch, u, 0).setReady(Ready.newBuilder().setBoot(2))));
        }
        int length = steps.get(0).size();
        for (int step = 0; step < length; step++) {
            for (List<CloneEvent.Builder> life : steps) {
                CloneEvent.Builder event = life.get(step);
                event.setTime(EventFactory.timestamp(java.time.Instant.now()));
                send(event.build());
            }
            producer.flush();
            // the copy steps (progress, disk copied) come apart in time, as a real worker's progress does (at
            // most one a second): the watchers' rate is made of samples at least 200 ms apart, and a burst
            // that the fold takes in within 200 ms yields no rate by design
            boolean copyStep = step >= 1 && step <= 4;
            TimeUnit.MILLISECONDS.sleep(copyStep ? Math.max(stepDelay.toMillis(), COPY_STEP_MILLIS) : stepDelay.toMillis());
        }
        send(coordinator.newEvent(batch, "", 0).setBatchCompleted(BatchCompleted.newBuilder()
                .setTotal(userids.size()).setReady(userids.size())).build());
        producer.flush();
        return null;
    }

    private CloneEvent.Builder progress(String batch, String userid, long done) {
        return worker.newEvent(batch, userid, 1).setCopyProgress(CopyProgress.newBuilder().setVaddr("0200")
                .setBytesDone(done).setBytesTotal(DISK_BYTES));
    }

    @Override
    public CompletableFuture<List<String>> retry(String batchId, List<String> userids) {
        return CompletableFuture.failedFuture(new BatchCommandException(BatchCommandException.Kind.CONFLICT,
                "the synthetic lifecycle never fails a clone, so there is nothing to retry in " + batchId, null));
    }

    /** Names the batch's clones (or the ones asked for) and a fixed master version; publishes nothing. */
    @Override
    public CompletableFuture<Refreshed> refresh(String batchId, List<String> userids) {
        List<String> clones = batches.get(batchId);
        if (clones == null) {
            return CompletableFuture.failedFuture(new BatchCommandException(BatchCommandException.Kind.NOT_FOUND,
                    "no batch '" + batchId + "' was submitted", null));
        }
        return CompletableFuture.completedFuture(new Refreshed(userids.isEmpty() ? clones : userids, "synthetic-v1"));
    }

    @Override
    public CompletableFuture<List<String>> cancel(String batchId, List<String> userids) {
        List<String> clones = batches.get(batchId);
        if (clones == null) {
            return CompletableFuture.failedFuture(new BatchCommandException(BatchCommandException.Kind.NOT_FOUND,
                    "no batch '" + batchId + "' was submitted", null));
        }
        List<String> chosen = userids.isEmpty() ? clones : userids;
        for (String u : chosen) {
            send(coordinator.newEvent(batchId, u, 0).setCancelled(Cancelled.newBuilder().setReason("operator")).build());
        }
        producer.flush();
        return CompletableFuture.completedFuture(chosen);
    }

    private void send(CloneEvent event) {
        producer.send(new ProducerRecord<>(layout.events(), event.getUserid(), ContractCodec.encode(event)));
    }

    @Override
    public void close() throws InterruptedException {
        lives.shutdownNow();
        lives.awaitTermination(10, TimeUnit.SECONDS);
        producer.close(Duration.ofSeconds(10));
    }
}
