package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLog;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneEvent.FactCase;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.testsupport.CloneBatchFixture;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clonefarm worker} processes (separate JVMs) sharing a batch of 40 clones over real image files
 * on a real broker: killed, joined, and stopped with SIGTERM.
 */
class WorkerProcessesTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();
    private static final AtomicInteger RUN = new AtomicInteger();
    private static final long MIB = 1024 * 1024;
    private static final int CLONES = 40;

    @TempDir
    Path data;
    private final Map<String, Process> workers = new LinkedHashMap<>();
    private TopicLayout topics;
    private FarmKey farmKey;
    private String group;
    private Path clientConfig;
    private EventCollector collector;

    @AfterEach
    void killWorkers() throws InterruptedException {
        if (collector != null) {
            collector.close();
        }
        for (Process process : workers.values()) {
            if (process.isAlive()) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    private CloneBatchFixture batch(int clones) throws Exception {
        return batch(clones, new long[] {8 * MIB, 6 * MIB + 8192});
    }

    private CloneBatchFixture batch(int clones, long[] diskSizes) throws Exception {
        int run = RUN.incrementAndGet();
        // 6 request partitions: with 40 requests, each partition that moves to a joining worker still
        // holds work mid-batch (with 12, a moved partition is often already finished)
        topics = TopicLayout.builder().prefix("wp" + run + ".").requestPartitions(6).build();
        group = "workers-" + run;
        try (Admin admin = KAFKA.broker().admin()) {
            topics.ensure(admin, 30_000);
        }
        // a dead worker's partitions move after its session times out: the broker's minimum, 6 s
        clientConfig = data.resolve("client.properties");
        Files.writeString(clientConfig, "session.timeout.ms=6000\nheartbeat.interval.ms=500\n");
        collector = new EventCollector(topics.events());
        farmKey = FarmKey.loadOrCreate(FarmKey.defaultFile(data));
        CloneBatchFixture batch = CloneBatchFixture.create(data, "batch-" + run, clones, diskSizes, run);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(KafkaSettings.of(KAFKA.bootstrapServers())
                .producer("coordinator-test"))) {
            batch.publishPlan(producer, topics.events());
        }
        return batch;
    }

    private Process startWorker(String id) throws Exception {
        List<String> command = UpCommandTest.javaCommand("worker", "--bootstrap-servers", KAFKA.bootstrapServers(),
                "--kafka-config", clientConfig.toString(), "--topic-prefix", topics.prefix(), "--data", data.toString(),
                "--id", id, "--group", group, "--max-clones", "1", "--http-port", "-1",
                "--chunk-mib", "1", "--checkpoint-mib", "1", "--parallel", "1", "--io", "BUFFERED");
        command.add(1, "-Xmx256m");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logFile(id).toFile()).start();
        workers.put(id, process);
        await().atMost(Duration.ofSeconds(30)).until(() -> !process.isAlive()
                || Files.readString(logFile(id)).contains("clonefarm worker: id=" + id));
        assertThat(process.isAlive()).as("worker %s started: %s", id, log(id)).isTrue();
        return process;
    }

    /** target/worker-logs/RUN/ID.log: what the worker printed, kept after the test (its log is in DATA/logs). */
    private Path logFile(String id) throws java.io.IOException {
        Path dir = Path.of("target", "worker-logs", topics.prefix());
        Files.createDirectories(dir);
        return dir.resolve(id + ".log");
    }

    /** What worker ID printed on its terminal, then its log file DATA/logs/clonefarm-worker-ID.log. */
    private String log(String id) {
        try {
            Path file = data.resolve("logs").resolve("clonefarm-worker-" + id + ".log");
            return Files.readString(logFile(id)) + (Files.exists(file) ? Files.readString(file) : "");
        } catch (java.io.IOException e) {
            return e.toString();
        }
    }

    private void publish(List<CloneRequest> requests) throws Exception {
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("test"))) {
            for (CloneRequest request : requests) {
                producer.send(EventPublisher.signedRequest(topics, request, farmKey));
            }
            producer.flush();
        }
    }

    /** Sends the requests round-robin over the request partitions (the workers do not care which). */
    private void publishOnEveryPartition(List<CloneRequest> requests) throws Exception {
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("test"))) {
            int partitions = producer.partitionsFor(topics.cloneRequests()).size();
            for (int i = 0; i < requests.size(); i++) {
                CloneRequest request = requests.get(i);
                ProducerRecord<String, byte[]> signed = EventPublisher.signedRequest(topics, request, farmKey);
                producer.send(new ProducerRecord<>(signed.topic(), i % partitions, signed.key(), signed.value(),
                        signed.headers()));
            }
            producer.flush();
        }
    }

    /** Every event so far: a consumer of its own follows the topic, so a check sees events within ~100 ms. */
    private List<CloneEvent> events() {
        return collector.events();
    }

    /** Follows the events topic on a thread of its own (a {@link TopicLog}). */
    private static final class EventCollector implements AutoCloseable {
        private final List<CloneEvent> events = new ArrayList<>();
        private final TopicLog<String, byte[]> log;

        EventCollector(String topic) {
            log = new TopicLog<>("event-collector", topic, () -> new org.apache.kafka.clients.consumer.KafkaConsumer<>(
                    KafkaSettings.of(KAFKA.bootstrapServers()).consumer("event-collector", null)), (record, live) -> {
                        CloneEvent event = ContractCodec.decodeEvent(record.value(), "events@" + record.offset());
                        synchronized (events) {
                            events.add(event);
                        }
                    });
            log.start();
        }

        List<CloneEvent> events() {
            if (log.stopped().isCompletedExceptionally()) {
                log.stopped().join(); // throws: the collector's error, not a silently short list
            }
            synchronized (events) {
                return new ArrayList<>(events);
            }
        }

        @Override
        public void close() {
            log.close();
        }
    }

    private static Set<String> copiedClones(List<CloneEvent> events) {
        return events.stream().filter(e -> e.getFactCase() == FactCase.CLONE_COPIED).map(CloneEvent::getUserid)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static Set<String> copiedBy(List<CloneEvent> events, String worker) {
        return events.stream().filter(e -> e.getFactCase() == FactCase.CLONE_COPIED && e.getProducerId().equals(worker))
                .map(CloneEvent::getUserid).collect(Collectors.toCollection(TreeSet::new));
    }

    /** Clones the worker started and did not finish. */
    private static Set<String> inFlight(List<CloneEvent> events, String worker) {
        Set<String> started = events.stream().filter(e -> e.getFactCase() == FactCase.COPY_STARTED
                && e.getProducerId().equals(worker)).map(CloneEvent::getUserid).collect(Collectors.toCollection(TreeSet::new));
        started.removeAll(copiedBy(events, worker));
        return started;
    }

    private void awaitAllCopied(int clones) {
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).untilAsserted(() ->
                assertThat(copiedClones(events())).as("clones copied; logs: %s", workers.keySet()).hasSize(clones));
    }

    /** SIGTERM; the worker must exit 0 within 15 s. */
    private void stop(String id) throws InterruptedException {
        Process process = workers.get(id);
        long start = System.nanoTime();
        process.destroy();
        assertThat(process.waitFor(15, TimeUnit.SECONDS)).as("%s exited within 15 s after SIGTERM", id).isTrue();
        assertThat(process.exitValue()).as("exit code of %s: %s", id, log(id)).isZero();
        System.out.printf("%s stopped %d ms after SIGTERM%n", id, (System.nanoTime() - start) / 1_000_000);
    }

    /**
     * The events, after de-duplication by event id, give each clone exactly one final result (CloneCopied,
     * never CopyFailed), for attempt 1, and every re-emitted DiskCopied of a disk carries the same digest.
     */
    private static void assertOneFinalResultPerClone(List<CloneEvent> events, int clones) {
        Map<String, CloneEvent> unique = new LinkedHashMap<>();
        for (CloneEvent event : events) {
            unique.putIfAbsent(event.getEventId(), event);
        }
        Map<String, Set<String>> finals = new HashMap<>();
        Map<String, Set<String>> digests = new HashMap<>();
        for (CloneEvent event : unique.values()) {
            String clone = event.getUserid() + "#" + event.getAttempt();
            if (event.getFactCase() == FactCase.CLONE_COPIED || event.getFactCase() == FactCase.COPY_FAILED) {
                finals.computeIfAbsent(clone, c -> new HashSet<>()).add(event.getFactCase().name());
            }
            if (event.getFactCase() == FactCase.DISK_COPIED) {
                digests.computeIfAbsent(clone + "/" + event.getDiskCopied().getVaddr(), d -> new HashSet<>())
                        .add(event.getDiskCopied().getDigest());
            }
        }
        assertThat(finals).hasSize(clones);
        assertThat(finals.values()).allSatisfy(kinds -> assertThat(kinds).containsExactly("CLONE_COPIED"));
        assertThat(digests).hasSize(clones * 2);
        assertThat(digests.values()).allSatisfy(d -> assertThat(d).hasSize(1));
    }

    /**
     * No disk that a worker had checkpointed was copied from scratch by another: whenever a worker
     * reported durable (checkpointed) bytes of a disk before another worker started the run that
     * finished it, that run skipped (by compare) at least those bytes instead of writing them again.
     *
     * @return how many disks moved to another worker with reported checkpoints behind them
     */
    private static int assertNoCheckpointedDiskCopiedFromScratch(List<CloneEvent> events) {
        int moved = 0;
        for (CloneEvent copied : events) {
            if (copied.getFactCase() != FactCase.DISK_COPIED) {
                continue;
            }
            String finisher = copied.getProducerId();
            String userid = copied.getUserid();
            String vaddr = copied.getDiskCopied().getVaddr();
            long finishedAt = nanos(copied);
            long runStart = events.stream().filter(e -> e.getFactCase() == FactCase.COPY_STARTED
                    && e.getProducerId().equals(finisher) && e.getUserid().equals(userid) && nanos(e) <= finishedAt)
                    .mapToLong(WorkerProcessesTest::nanos).max().orElseThrow();
            long durableElsewhere = events.stream().filter(e -> e.getFactCase() == FactCase.COPY_PROGRESS
                    && !e.getProducerId().equals(finisher) && e.getUserid().equals(userid)
                    && e.getCopyProgress().getVaddr().equals(vaddr) && nanos(e) < runStart)
                    .mapToLong(e -> e.getCopyProgress().getBytesDone()).max().orElse(0);
            if (durableElsewhere > 0) {
                moved++;
                assertThat(copied.getDiskCopied().getBytesSkipped())
                        .as("%s/%s finished by %s after another worker had checkpointed %d bytes", userid, vaddr,
                                finisher, durableElsewhere)
                        .isGreaterThanOrEqualTo(durableElsewhere);
            }
        }
        return moved;
    }

    private static long nanos(CloneEvent event) {
        return event.getTime().getSeconds() * 1_000_000_000L + event.getTime().getNanos();
    }

    /** A worker SIGKILLed mid-batch: its peer takes its partitions, and every clone is copied exactly. */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void survivorFinishesTheBatchAfterItsPeerIsKilled() throws Exception {
        CloneBatchFixture batch = batch(CLONES);
        startWorker("wa");
        startWorker("wb");
        publish(batch.requests());
        // kill wa right after it starts a clone (its last event is a CopyStarted), so the kill lands mid-copy
        String[] justStarted = new String[1];
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(10)).until(() -> {
            List<CloneEvent> now = events();
            List<CloneEvent> byA = now.stream().filter(e -> e.getProducerId().equals("wa")).toList();
            CloneEvent last = byA.isEmpty() ? null : byA.get(byA.size() - 1);
            if (copiedBy(now, "wa").size() >= 2 && last != null && last.getFactCase() == FactCase.COPY_STARTED) {
                justStarted[0] = last.getUserid();
                return true;
            }
            return false;
        });
        workers.get("wa").destroyForcibly().waitFor(10, TimeUnit.SECONDS); // SIGKILL
        int copiedAtKill = copiedClones(events()).size();
        assertThat(copiedAtKill).as("clones copied when wa was killed").isLessThan(CLONES);

        awaitAllCopied(CLONES);
        assertThat(batch.mismatchedDisks()).isEmpty();
        List<CloneEvent> events = events();
        assertOneFinalResultPerClone(events, CLONES);
        Set<String> startedByA = inFlight(events, "wa");
        assertThat(startedByA).as("clones wa was copying when killed, finished by wb").contains(justStarted[0]);
        int moved = assertNoCheckpointedDiskCopiedFromScratch(events);
        System.out.printf("killed at %d/%d copied; %d clones taken over, %d disks resumed by compare%n",
                copiedAtKill, CLONES, startedByA.size(), moved);
        stop("wb");
    }

    /** A third worker joining mid-batch (a rebalance) loses nothing, repeats nothing and re-copies no checkpointed disk. */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void joiningWorkerLosesNothingAndRecopiesNoCheckpointedDisk() throws Exception {
        CloneBatchFixture batch = batch(CLONES);
        startWorker("wa");
        startWorker("wb");
        List<CloneRequest> requests = batch.requests();
        int early = CLONES - 12;
        publish(requests.subList(0, early));
        // a JVM takes seconds to start on a loaded machine: wc starts as soon as the batch does
        long joinStart = System.nanoTime();
        startWorker("wc");
        await().atMost(Duration.ofSeconds(60)).until(() -> log("wc").contains("worker wc: partitions assigned ["));
        System.out.printf("wc owned partitions %d ms after its start; %d clones copied by then%n",
                (System.nanoTime() - joinStart) / 1_000_000, copiedClones(events()).size());
        assertThat(copiedClones(events())).as("clones copied before wc joined").isNotEmpty();
        // the rest of the batch arrives while wc is a member, two requests on every partition, so wc surely
        // copies some of it, whatever the load did to the timing of the first part
        publishOnEveryPartition(requests.subList(early, CLONES));

        awaitAllCopied(CLONES);
        assertThat(batch.mismatchedDisks()).isEmpty();
        List<CloneEvent> events = events();
        assertOneFinalResultPerClone(events, CLONES);
        assertThat(events.stream().filter(e -> e.getFactCase() == FactCase.CLONE_COPIED).map(CloneEvent::getProducerId))
                .as("wc took partitions and copied").contains("wc");
        // no worker died: every finished request was committed before its partition moved, so none was
        // delivered again and each clone was copied (and announced) exactly once
        assertThat(events.stream().filter(e -> e.getFactCase() == FactCase.CLONE_COPIED)
                .collect(Collectors.groupingBy(CloneEvent::getUserid, Collectors.counting())))
                .as("CloneCopied events per clone").hasSize(CLONES).allSatisfy((userid, count) -> assertThat(count).isOne());
        for (String id : List.of("wa", "wb", "wc")) {
            stop(id);
        }
        int moved = assertNoCheckpointedDiskCopiedFromScratch(events);
        System.out.printf("%d disks moved with checkpoints behind them%n", moved);
    }

    /** SIGTERM mid-copy exits 0 within 15 s; the same worker started again finishes from its checkpoints. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void sigtermMidCopyExitsZeroAndARestartResumes() throws Exception {
        // disks large enough that the batch takes seconds: on an idle machine 14 MiB clones were all copied
        // within a second, before the event collector saw one in flight
        CloneBatchFixture batch = batch(12, new long[] {48 * MIB, 40 * MIB});
        startWorker("wa");
        publish(batch.requests());
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() -> {
            List<CloneEvent> now = events();
            return copiedBy(now, "wa").size() >= 1 && !inFlight(now, "wa").isEmpty();
        });
        stop("wa");
        int copiedAtStop = copiedClones(events()).size();
        assertThat(copiedAtStop).isLessThan(12);

        workers.remove("wa");
        startWorker("wa");
        awaitAllCopied(12);
        assertThat(batch.mismatchedDisks()).isEmpty();
        assertOneFinalResultPerClone(events(), 12);
        stop("wa");
    }
}
