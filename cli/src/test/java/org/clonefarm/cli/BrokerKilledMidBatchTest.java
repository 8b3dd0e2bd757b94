package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.config.ConfigResource;
import org.clonefarm.cli.embedded.LocalKafkaCluster;
import org.clonefarm.cli.embedded.NodeStatus;
import org.clonefarm.coordinator.state.BatchSummary;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLog;
import org.clonefarm.messaging.TopicSnapshot;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.CloneState;
import org.clonefarm.worker.service.WorkerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker of three SIGKILLed mid-batch: a local cluster of three broker processes ({@code kafka start},
 * topics with three replicas and {@code min.insync.replicas} 2), the coordinator and two workers as
 * separate processes, a batch of the demo master. While some clones are copied and others not yet, the
 * broker that leads the most partitions of the farm's topics is killed with SIGKILL; the farm goes on
 * without it; {@code kafka start} later brings back that node only. Every clone reaches READY, the events
 * topic holds each fact of a clone's life once (none lost, none doubled), and the coordinator and the
 * workers are the processes started at the beginning.
 */
@Timeout(value = 6, unit = TimeUnit.MINUTES)
class BrokerKilledMidBatchTest {
    private static final String BATCH = "broker";
    private static final int CLONES = 24;
    private static final Pattern DASHBOARD = Pattern.compile("dashboard=(http://\\S+/)");
    /** What a clone's copy and boot publish exactly once in a successful attempt (progress facts aside). */
    private static final Set<FactCase> ONCE = EnumSet.of(FactCase.CLONE_PLANNED, FactCase.COPY_STARTED,
            FactCase.CLONE_COPIED, FactCase.GUEST_START_REQUESTED, FactCase.GUEST_STARTED, FactCase.READY);
    /** Facts a batch that never failed has none of. */
    private static final Set<FactCase> FAILURES = EnumSet.of(FactCase.COPY_FAILED, FactCase.CLONE_FAILED,
            FactCase.AGENT_FAILED, FactCase.RETRY_REQUESTED, FactCase.REQUEST_REJECTED, FactCase.CANCELLED);
    private static final Set<CloneState> NOT_COPIED = EnumSet.of(CloneState.CLONE_STATE_PLANNED,
            CloneState.CLONE_STATE_COPYING);

    @Test
    void everyCloneReachesReadyWithEachFactOnceAndNoComponentRestarted(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        TopicLayout layout = TopicLayout.defaults();
        Instant killedAt;
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("logs"))) {
            try {
                // the cluster and the demo master at once: the master needs no Kafka
                Process master = clonefarm.start("master", "master", "create-demo", "--data", data.toString());
                assertThat(clonefarm.run("kafka-start", 240, "kafka", "start", "--data", data.toString(), "--brokers", "3"))
                        .as(clonefarm.err("kafka-start")).isZero();
                assertThat(master.waitFor(120, TimeUnit.SECONDS)).as("master create-demo ends").isTrue();
                assertThat(master.exitValue()).as(clonefarm.err("master")).isZero();
                LocalKafkaCluster cluster = LocalKafkaCluster.at(data);
                KafkaSettings kafka = KafkaSettings.of(cluster.bootstrapServers());
                assertReplicatedThreeTimesWithTwoInSync(kafka, layout);

                Process coordinator = clonefarm.start("coordinator", "coordinator", "--data", data.toString(),
                        "--http-port", "0", "--guest-concurrency", "4", "--boot-timeout", "600");
                clonefarm.awaitOutput("coordinator", "dashboard=", 120); // it made the farm key the workers check with
                List<Process> workers = new ArrayList<>();
                for (String id : List.of("w1", "w2")) {
                    workers.add(clonefarm.start("worker-" + id, "worker", "--data", data.toString(), "--id", id,
                            "--max-clones", "1", "--http-port", "-1", "--disk-access", "cp", "--simulated-zvm"));
                }
                clonefarm.awaitOutput("worker-w1", "clonefarm worker: id=w1", 120);
                clonefarm.awaitOutput("worker-w2", "clonefarm worker: id=w2", 120);

                try (FoldFollower fold = FoldFollower.start(kafka, layout)) {
                    Path spec = dir.resolve(BATCH + ".yaml");
                    Files.writeString(spec, DemoCommand.spec(BATCH, 1, CLONES, "rw-root"));
                    assertThat(clonefarm.run("submit", 180, "submit", spec.toString(), "--data", data.toString()))
                            .as(clonefarm.err("submit")).isZero();

                    // mid-batch: some clones copied, others not yet
                    BatchSummary atKill = fold.await("some clones copied and at least half not yet",
                            s -> copied(s) >= 2 && notCopied(s) >= CLONES / 2, Duration.ofSeconds(150));
                    Victim victim = victim(kafka, layout);
                    long victimPid = pidOf(cluster, victim.node());
                    killedAt = Instant.now();
                    ProcessHandle.of(victimPid).orElseThrow().destroyForcibly(); // SIGKILL: no controlled shutdown
                    await("node " + victim.node() + " ends").atMost(Duration.ofSeconds(30))
                            .until(() -> ProcessHandle.of(victimPid).map(h -> !h.isAlive()).orElse(true));
                    System.out.printf("broker-kill: killed %s with %d copied, %d not yet, %d ready%n", victim,
                            copied(atKill), notCopied(atKill), atKill.count(CloneState.CLONE_STATE_READY));

                    // the farm goes on on two brokers: more clones copied, more booted, while the node stays dead
                    BatchSummary without = fold.await("more clones copied and booted without node " + victim.node(),
                            s -> copied(s) >= copied(atKill) + 3
                                    && s.count(CloneState.CLONE_STATE_READY) > atKill.count(CloneState.CLONE_STATE_READY),
                            Duration.ofSeconds(120));
                    assertThat(cluster.status()).filteredOn(n -> n.node() == victim.node())
                            .extracting(NodeStatus::state).containsExactly(NodeStatus.State.STOPPED);
                    System.out.printf("broker-kill: without node %d: %d copied, %d ready%n", victim.node(),
                            copied(without), without.count(CloneState.CLONE_STATE_READY));

                    // kafka start brings back the dead node only
                    assertThat(clonefarm.run("kafka-restart", 240, "kafka", "start", "--data", data.toString()))
                            .as(clonefarm.err("kafka-restart")).isZero();
                    String restart = clonefarm.err("kafka-restart");
                    assertThat(restart).contains("kafka: node " + victim.node() + " starting (pid ");
                    for (NodeStatus node : cluster.status()) {
                        assertThat(node.state()).as("node %d", node.node()).isEqualTo(NodeStatus.State.RUNNING);
                        if (node.node() != victim.node()) {
                            assertThat(restart).contains("kafka: node " + node.node() + " runs already (pid "
                                    + node.pid().getAsLong() + ")");
                        }
                    }

                    BatchSummary done = fold.await("every clone finished", BatchSummary::allFinished,
                            Duration.ofSeconds(240));
                    assertThat(done.count(CloneState.CLONE_STATE_READY)).as("READY clones").isEqualTo(CLONES);
                }
                assertEveryFactOnce(kafka, layout, coordinator.pid(), killedAt);
                assertCoordinatorSeesEveryCloneReady(clonefarm, data);
                awaitEveryReplicaInSync(kafka, layout);

                // the coordinator and the workers are the processes started at the beginning, still running (a worker
                // whose Kafka consumer fails exits), and no other coordinator or worker ever ran
                assertThat(coordinator.isAlive()).as("the coordinator runs: %s", clonefarm.err("coordinator")).isTrue();
                for (int i = 0; i < workers.size(); i++) {
                    String id = "w" + (i + 1);
                    assertThat(workers.get(i).isAlive()).as("worker %s runs: %s", id, clonefarm.err("worker-" + id))
                            .isTrue();
                }
            } finally {
                clonefarm.close(); // the coordinator first: its guests unmount while Kafka still runs
                KafkaClusterSweep.stopAndSweep(data);
            }
        }
        assertThat(KafkaClusterSweep.brokersOf(data)).as("broker processes left behind").isEmpty();
        assertThat(DemoClones.hostResourcesUnder(dir)).as("loop devices and mounts left behind").isEmpty();
    }

    private static int copied(BatchSummary summary) {
        return summary.clones() - notCopied(summary) - summary.count(CloneState.CLONE_STATE_FAILED)
                - summary.count(CloneState.CLONE_STATE_CANCELLED);
    }

    private static int notCopied(BatchSummary summary) {
        return NOT_COPIED.stream().mapToInt(summary::count).sum();
    }

    /**
     * The node to kill and why: the one that leads the most partitions of the farm's topics, since its
     * death moves the most leaderships at once (every producer and consumer of the farm must find new
     * leaders mid-send); among equals the active controller, whose death adds a controller election.
     */
    record Victim(int node, int partitionsLed, boolean controller, boolean workersGroupCoordinator) {
        @Override
        public String toString() {
            return "node " + node + " (leader of " + partitionsLed + " partitions" + (controller ? ", active controller" : "")
                    + (workersGroupCoordinator ? ", coordinator of the workers' group" : "") + ")";
        }
    }

    private static Victim victim(KafkaSettings kafka, TopicLayout layout) throws Exception {
        try (Admin admin = Admin.create(kafka.admin("broker-kill-test"))) {
            Map<Integer, Integer> led = new TreeMap<>();
            for (TopicDescription topic : admin.describeTopics(layout.allTopics()).allTopicNames()
                    .get(30, TimeUnit.SECONDS).values()) {
                for (TopicPartitionInfo partition : topic.partitions()) {
                    led.merge(partition.leader().id(), 1, Integer::sum);
                }
            }
            int controller = admin.describeMetadataQuorum().quorumInfo().get(30, TimeUnit.SECONDS).leaderId();
            int groupCoordinator = admin.describeConsumerGroups(List.of(WorkerConfig.DEFAULT_GROUP)).all()
                    .get(30, TimeUnit.SECONDS).get(WorkerConfig.DEFAULT_GROUP).coordinator().id();
            int most = led.values().stream().max(Integer::compare).orElseThrow();
            int node = led.getOrDefault(controller, 0) == most ? controller
                    : led.entrySet().stream().filter(e -> e.getValue() == most).findFirst().orElseThrow().getKey();
            return new Victim(node, most, node == controller, node == groupCoordinator);
        }
    }

    private static long pidOf(LocalKafkaCluster cluster, int node) {
        return cluster.status().stream().filter(n -> n.node() == node).findFirst().orElseThrow().pid()
                .orElseThrow(() -> new AssertionError("node " + node + " does not run"));
    }

    private static void assertReplicatedThreeTimesWithTwoInSync(KafkaSettings kafka, TopicLayout layout) throws Exception {
        try (Admin admin = Admin.create(kafka.admin("broker-kill-test"))) {
            assertThat(admin.describeTopics(layout.allTopics()).allTopicNames().get(30, TimeUnit.SECONDS).values())
                    .allSatisfy(topic -> assertThat(topic.partitions()).as(topic.name())
                            .allSatisfy(p -> assertThat(p.replicas()).hasSize(3)));
            for (String topic : List.of(layout.events(), layout.cloneRequests())) {
                ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
                assertThat(admin.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS).get(resource)
                        .get("min.insync.replicas").value()).as(topic).isEqualTo("2");
            }
        }
    }

    /** The restarted broker caught up: every partition of the farm's topics has its three replicas in sync. */
    private static void awaitEveryReplicaInSync(KafkaSettings kafka, TopicLayout layout) throws Exception {
        try (Admin admin = Admin.create(kafka.admin("broker-kill-test"))) {
            await("every replica back in sync").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .untilAsserted(() -> assertThat(admin.describeTopics(layout.allTopics()).allTopicNames()
                            .get(30, TimeUnit.SECONDS).values()).allSatisfy(topic -> assertThat(topic.partitions())
                                    .as(topic.name()).allSatisfy(p -> assertThat(p.isr()).hasSize(3))));
        }
    }

    /**
     * The events topic as it is after the batch: each clone's life holds each fact once. A record whose
     * event id was seen before is the same fact re-sent (the guest agent re-sends what its spool holds
     * when an acknowledgement did not come in time; producers are idempotent, so a broker's death does
     * not double a record by itself): the fold drops it by id, so it must carry the same fact, and it is
     * counted apart. Among distinct facts none may be doubled.
     */
    private static void assertEveryFactOnce(KafkaSettings kafka, TopicLayout layout, long coordinatorPid,
            Instant killedAt) {
        List<CloneEvent> records = new ArrayList<>();
        long[] bytes = {0};
        TopicSnapshot.read(kafka, layout.events(), "broker-kill-audit", Duration.ofSeconds(60), record -> {
            records.add(ContractCodec.decodeEvent(record.value(), record.topic() + "@" + record.offset()));
            bytes[0] += record.serializedKeySize() + record.serializedValueSize();
        });
        Map<String, CloneEvent> facts = new LinkedHashMap<>();
        int resent = 0;
        for (CloneEvent event : records) {
            CloneEvent first = facts.putIfAbsent(event.getEventId(), event);
            if (first != null) {
                assertThat(event).as("a record re-sent under event id %s", event.getEventId()).isEqualTo(first);
                resent++;
            }
        }
        Map<String, Map<FactCase, Integer>> lives = new TreeMap<>();
        Map<String, Map<String, Integer>> disksCopied = new TreeMap<>();
        Map<FactCase, Integer> batchFacts = new EnumMap<>(FactCase.class);
        Map<FactCase, Set<String>> producers = new EnumMap<>(FactCase.class);
        for (CloneEvent fact : facts.values()) {
            if (!fact.getBatchId().equals(BATCH)) {
                continue;
            }
            assertThat(fact.getFactCase()).as("a fact of a batch that never failed: %s", fact).isNotIn(FAILURES);
            assertThat(fact.getAttempt()).as("the attempt of %s", fact).isIn(0, 1);
            producers.computeIfAbsent(fact.getFactCase(), f -> new TreeSet<>()).add(fact.getProducerId());
            if (fact.getUserid().isEmpty()) {
                batchFacts.merge(fact.getFactCase(), 1, Integer::sum);
            } else if (fact.getFactCase() != FactCase.COPY_PROGRESS) { // progress: absolute counts, any number of them
                lives.computeIfAbsent(fact.getUserid(), u -> new EnumMap<>(FactCase.class))
                        .merge(fact.getFactCase(), 1, Integer::sum);
                if (fact.getFactCase() == FactCase.DISK_COPIED) {
                    disksCopied.computeIfAbsent(fact.getUserid(), u -> new TreeMap<>())
                            .merge(fact.getDiskCopied().getVaddr(), 1, Integer::sum);
                }
            }
        }
        System.out.printf("broker-kill: %d records on the events topic (%d bytes of keys and values), %d distinct facts,"
                + " %d re-sent records%n", records.size(), bytes[0], facts.size(), resent);
        assertThat(batchFacts).as("batch facts").isEqualTo(Map.of(FactCase.BATCH_PLANNED, 1, FactCase.BATCH_COMPLETED, 1));
        assertThat(lives).as("clones with facts").hasSize(CLONES);
        Map<String, Integer> bothDisksOnce = Map.of(Role.ROOT.vaddr().value(), 1, Role.VAR.vaddr().value(), 1);
        lives.forEach((userid, life) -> {
            for (FactCase fact : ONCE) {
                assertThat(life.get(fact)).as("%s facts of %s: %s", fact, userid, life).isEqualTo(1);
            }
            assertThat(disksCopied.get(userid)).as("DiskCopied per disk of %s", userid).isEqualTo(bothDisksOnce);
        });
        // the agent's steps too: every clone lived the same life, fact for fact
        Map<Map<FactCase, Integer>, List<String>> kinds = new HashMap<>();
        lives.forEach((userid, life) -> kinds.computeIfAbsent(life, l -> new ArrayList<>()).add(userid));
        assertThat(kinds).as("the facts of each clone, by kind and number").hasSize(1);
        System.out.printf("broker-kill: each clone's life (progress aside): %s%n", kinds.keySet().iterator().next());
        // the kill landed mid-batch: clones were copied before it and after it (event times: one clock, this machine)
        long copiedBefore = facts.values().stream().filter(f -> f.getBatchId().equals(BATCH)
                && f.getFactCase() == FactCase.CLONE_COPIED && EventFactory.instant(f.getTime()).isBefore(killedAt)).count();
        System.out.printf("broker-kill: %d clones copied before the kill, %d after it%n", copiedBefore,
                CLONES - copiedBefore);
        assertThat(copiedBefore).as("clones copied before the kill").isBetween(2L, CLONES - 1L);
        // every guest was started by the coordinator process of the beginning
        assertThat(producers.get(FactCase.GUEST_START_REQUESTED)).containsExactly("coordinator-" + coordinatorPid);
        assertThat(producers.get(FactCase.COPY_STARTED)).isSubsetOf("w1", "w2");
    }

    /** The coordinator's own fold, through its API: the batch complete, every clone READY. */
    private static void assertCoordinatorSeesEveryCloneReady(ChildProcesses clonefarm, Path data) throws Exception {
        Matcher url = DASHBOARD.matcher(clonefarm.out("coordinator"));
        assertThat(url.find()).as(clonefarm.out("coordinator")).isTrue();
        String token = Files.readString(data.resolve("api-token"), StandardCharsets.UTF_8).trim();
        HttpClient http = HttpClient.newHttpClient();
        HttpRequest request = HttpRequest.newBuilder(URI.create(url.group(1) + "api/batches/" + BATCH))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(30)).build();
        await("the coordinator's view of the batch").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonObject batch = new JsonObject(response.body());
            assertThat(batch.getJsonObject("counts").getMap()).as(response.body()).isEqualTo(Map.of("READY", CLONES));
            assertThat(batch.getBoolean("completed")).as(response.body()).isTrue();
        });
    }

    /** The test's own fold of the events topic, followed live, for the moments to act. */
    private static final class FoldFollower implements AutoCloseable {
        private final CloneStateStore store = new CloneStateStore();
        private final TopicLog<String, byte[]> log;

        private FoldFollower(KafkaSettings kafka, TopicLayout layout) {
            log = new TopicLog<>("broker-kill-fold", layout.events(),
                    () -> new KafkaConsumer<>(kafka.consumer("broker-kill-fold", null)), (record, live) ->
                            store.apply(ContractCodec.decodeEvent(record.value(), record.topic() + "@" + record.offset())));
        }

        static FoldFollower start(KafkaSettings kafka, TopicLayout layout) throws Exception {
            FoldFollower follower = new FoldFollower(kafka, layout);
            follower.log.start().get(60, TimeUnit.SECONDS);
            return follower;
        }

        BatchSummary await(String what, Predicate<BatchSummary> condition, Duration timeout) {
            BatchSummary[] last = new BatchSummary[1];
            org.awaitility.Awaitility.await("batch " + BATCH + ": " + what).atMost(timeout)
                    .pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
                        assertThat(log.stopped()).as("the test's fold of the events topic").isNotDone();
                        BatchSummary summary = store.batch(BATCH);
                        last[0] = summary;
                        assertThat(summary).as("batch %s", BATCH).isNotNull()
                                .matches(s -> s.clones() == CLONES && condition.test(s), what + " (" + summary + ")");
                    });
            return last[0];
        }

        @Override
        public void close() {
            log.close();
        }
    }
}
