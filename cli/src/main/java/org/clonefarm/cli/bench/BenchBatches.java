package org.clonefarm.cli.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.clonefarm.cli.Main;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLog;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.BatchPlanned;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.DiskExtent;

/**
 * What the worker benchmarks ({@link WorkersBench}, {@link RefreshBench}) share: {@code clonefarm worker}
 * processes on a data directory, a batch put before them as a coordinator's submit does (the clones'
 * minidisks in the CP directory, the planning facts, the requests signed with the farm key), and the wait
 * for its copies on the events topic, timed by the events' own clocks (first {@code CopyStarted} to last
 * {@code CloneCopied}), so JVM start and joining the group do not count. Static helpers; each call is
 * independent and may be made from one thread at a time.
 */
final class BenchBatches {
    /** The owner of the master's minidisks in the benches' CP directory. */
    static final String MASTER = "MASTER";

    private BenchBatches() {
    }

    /** One timed copy of a batch: seconds from the first CopyStarted to the last CloneCopied, bytes written. */
    record CopyTime(double seconds, long bytesWritten) {
    }

    /** What starts the copies being waited for (publishing the requests); may throw. */
    @FunctionalInterface
    interface Action {
        void run() throws Exception;
    }

    /**
     * Starts {@code clonefarm worker --id ID --group GROUP} on the data directory (its console output in
     * {@code DATA/ID.log}, its log in {@code DATA/logs/clonefarm-worker-ID.log}).
     *
     * @param extraOptions further worker options, such as {@code --disk-access cp --simulated-zvm}
     */
    static Process startWorker(Path data, KafkaSettings settings, TopicLayout topics, String id, String group, int maxClones,
            String heap, List<String> extraOptions) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heap, "-cp", System.getProperty("java.class.path"), Main.class.getName(), "worker",
                "--bootstrap-servers", settings.bootstrapServers(), "--topic-prefix", topics.prefix(),
                "--data", data.toString(), "--id", id, "--group", group,
                "--max-clones", String.valueOf(maxClones), "--http-port", "-1"));
        command.addAll(extraOptions);
        return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(data.resolve(id + ".log").toFile()).start();
    }

    /** Waits (90 s at most) until the worker's log says it got partitions, so a run measures a settled group. */
    static void awaitAssigned(Path data, String id) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        // the worker logs to DATA/logs/clonefarm-worker-ID.log; its stdout (ID.log) has the console lines only
        Path log = data.resolve("logs").resolve("clonefarm-worker-" + id + ".log");
        while (!Files.exists(log) || !Files.readString(log).matches("(?s).*partitions assigned \\[[^\\]].*")) {
            if (System.nanoTime() > deadline) {
                String said = Files.exists(log) ? Files.readString(log) : "(no log)";
                throw new IllegalStateException("worker " + id + " got no partitions in 90 s; its log " + log + " ends:\n"
                        + said.substring(Math.max(0, said.length() - 3000)));
            }
            Thread.sleep(100);
        }
    }

    /**
     * The clones' minidisks (and, the first time, the master's) into the CP directory and the planning facts
     * (BatchPlanned, ClonePlanned) on the events topic, acknowledged, as a submit does before its requests.
     */
    static void plan(Path data, KafkaSettings settings, TopicLayout topics, List<CloneRequest> requests) throws Exception {
        SimulationDataDirectory directory = SimulationDataDirectory.at(data);
        StringBuilder entries = new StringBuilder();
        if (!Files.exists(directory.directoryFile())) {
            entries.append("USER ").append(MASTER).append(" NOLOG 1G 2G G\n");
            for (CloneDisk disk : requests.get(0).getDisksList()) {
                entries.append(mdisk(disk.getSource()));
            }
        }
        for (CloneRequest request : requests) {
            entries.append("USER ").append(request.getUserid()).append(" NOLOG 1G 2G G\n");
            for (CloneDisk disk : request.getDisksList()) {
                entries.append(mdisk(disk.getTarget()));
            }
        }
        Files.createDirectories(directory.directoryFile().getParent());
        Files.writeString(directory.directoryFile(), entries, StandardCharsets.US_ASCII, StandardOpenOption.CREATE,
                StandardOpenOption.APPEND);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("bench"))) {
            EventPublisher publisher = publisher(data, producer, topics);
            String batch = requests.get(0).getBatchId();
            List<CompletableFuture<?>> facts = new ArrayList<>();
            facts.add(publisher.publish(publisher.events().newEvent(batch, "", 0).setBatchPlanned(BatchPlanned.newBuilder()
                    .setClones(requests.size()).setMaster(MASTER)).build()));
            for (CloneRequest request : requests) {
                facts.add(publisher.publish(publisher.events().newEvent(batch, request.getUserid(), 1)
                        .setClonePlanned(ClonePlanned.newBuilder().addAllDisks(request.getDisksList())).build()));
            }
            CompletableFuture.allOf(facts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
    }

    /** The requests, signed with the data directory's farm key, acknowledged. */
    static void publish(Path data, KafkaSettings settings, TopicLayout topics, List<CloneRequest> requests) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("bench"))) {
            EventPublisher publisher = publisher(data, producer, topics);
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (CloneRequest request : requests) {
                sent.add(publisher.publish(request));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
    }

    /** A publisher of events and requests signed with the data directory's farm key. */
    static EventPublisher publisher(Path data, KafkaProducer<String, byte[]> producer, TopicLayout topics) throws IOException {
        return new EventPublisher(producer, topics, new EventFactory("bench-coordinator"), FarmKey.load(FarmKey.defaultFile(data)));
    }

    /**
     * Runs {@code action} and waits until {@code clones} clones have a CloneCopied among the events {@code ofRun}
     * selects; a CopyFailed or RequestRejected among them fails the wait with its reason.
     *
     * @throws IllegalStateException naming {@code label} and how many were copied when the timeout passed
     */
    static CopyTime awaitCopies(KafkaSettings settings, TopicLayout topics, String label, Predicate<CloneEvent> ofRun,
            int clones, Duration timeout, Action action) throws Exception {
        Set<String> copied = ConcurrentHashMap.newKeySet();
        AtomicLong first = new AtomicLong(Long.MAX_VALUE);
        AtomicLong last = new AtomicLong();
        AtomicLong written = new AtomicLong();
        CompletableFuture<Void> allCopied = new CompletableFuture<>();
        try (TopicLog<String, byte[]> events = new TopicLog<>("bench-events", topics.events(),
                () -> new KafkaConsumer<>(settings.consumer("bench-events", null)), (record, live) -> {
                    CloneEvent event = ContractCodec.decodeEvent(record.value(), "bench");
                    if (!ofRun.test(event)) {
                        return;
                    }
                    long at = event.getTime().getSeconds() * 1_000_000_000L + event.getTime().getNanos();
                    switch (event.getFactCase()) {
                        case COPY_STARTED -> first.accumulateAndGet(at, Math::min);
                        case DISK_COPIED -> written.addAndGet(event.getDiskCopied().getBytesWritten());
                        case CLONE_COPIED -> {
                            last.accumulateAndGet(at, Math::max);
                            copied.add(event.getUserid());
                            if (copied.size() == clones) {
                                allCopied.complete(null);
                            }
                        }
                        case COPY_FAILED -> allCopied.completeExceptionally(
                                new IllegalStateException(label + ": " + event.getCopyFailed().getReason()));
                        case REQUEST_REJECTED -> allCopied.completeExceptionally(
                                new IllegalStateException(label + ": " + event.getRequestRejected().getReason()));
                        default -> { }
                    }
                })) {
            events.start();
            events.stopped().whenComplete((ok, error) -> allCopied.completeExceptionally(
                    error != null ? error : new IllegalStateException("the events log stopped")));
            action.run();
            try {
                allCopied.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                throw new IllegalStateException(label + ": only " + copied.size() + " of " + clones + " clones copied in "
                        + timeout.toSeconds() + " s", e);
            } catch (ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            }
            return new CopyTime((last.get() - first.get()) / 1e9, written.get());
        }
    }

    private static String mdisk(DiskExtent extent) {
        return " MDISK " + extent.getVaddr() + " FB-512 " + extent.getStart() + " " + extent.getSize() + " "
                + extent.getVolser() + " MR\n";
    }
}
