package org.clonefarm.cli.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.clonefarm.cli.Main;
import org.clonefarm.cli.embedded.EmbeddedKafka;
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
import org.clonefarm.proto.DeviceType;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.proto.DiskExtent;

/**
 * Benchmark of the worker service (bench/workers): the same batch of clones copied by one
 * {@code clonefarm worker} process and then by two, on the embedded broker, over real image files.
 * The throughput of a run is the batch's bytes over the time from its first {@code CopyStarted} to its
 * last {@code CloneCopied} (event times), so JVM start and joining the group do not count. Prints
 * {@code name=value} lines; on a 2-core machine two workers share the same cores and disk, so the
 * ratio shows the group's overhead, not a speed-up. A third run copies the batch with one worker on the
 * z/VM disk path of the simulation (each disk LINKed, online as a loop device, copied, offline, DETACHed):
 * {@code cp_path_vs_volumes_ratio} is its throughput over the first run's.
 */
public final class WorkersBench {
    private static final long MIB = 1024 * 1024;
    private static final String MASTER = "MASTER";

    private WorkersBench() {
    }

    public static void main(String[] args) throws Exception {
        int clones = 40;
        int diskMib = 16;
        int maxClones = 2;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clones" -> clones = Integer.parseInt(args[++i]);
                case "--disk-mib" -> diskMib = Integer.parseInt(args[++i]);
                case "--max-clones" -> maxClones = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (known: --clones N, --disk-mib N, --max-clones N)");
            }
        }
        Path data = Files.createTempDirectory("clonefarm-bench-workers");
        try (EmbeddedKafka broker = EmbeddedKafka.start(data, 0, Duration.ofSeconds(60))) {
            KafkaSettings settings = KafkaSettings.of(broker.bootstrapServers());
            long diskBytes = diskMib * MIB;
            writeMaster(data.resolve("volumes").resolve("MST001.img"), 2 * diskBytes);
            FarmKey.loadOrCreate(FarmKey.defaultFile(data)); // the workers refuse to start without it
            double one = run(data, settings, "one", 1, clones, diskBytes, maxClones, false);
            double two = run(data, settings, "two", 2, clones, diskBytes, maxClones, false);
            double cp = run(data, settings, "cpz", 1, clones, diskBytes, maxClones, true);
            System.out.printf(Locale.ROOT, "batch_clones=%d%nbatch_mib=%d%n", clones, clones * 2L * diskMib);
            System.out.printf(Locale.ROOT, "one_worker_mib_per_s=%.1f%ntwo_workers_mib_per_s=%.1f%n", one, two);
            System.out.printf(Locale.ROOT, "two_vs_one_workers_ratio=%.3f%n", two / one);
            System.out.printf(Locale.ROOT, "one_worker_cp_path_mib_per_s=%.1f%n", cp);
            System.out.printf(Locale.ROOT, "cp_path_vs_volumes_ratio=%.3f%n", cp / one);
            System.out.printf("cores=%d%n", Runtime.getRuntime().availableProcessors());
        } finally {
            try (Stream<Path> files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private static void writeMaster(Path image, long bytes) throws IOException {
        Files.createDirectories(image.getParent());
        Random random = new Random(7);
        byte[] block = new byte[(int) MIB];
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (long written = 0; written < bytes; written += block.length) {
                random.nextBytes(block);
                out.write(ByteBuffer.wrap(block));
            }
            out.force(true);
        }
    }

    /** Copies the batch with {@code workers} processes on fresh topics and a fresh target; MiB/s. */
    /** @param cpPath whether the workers LINK each disk and copy its loop device (the simulation's z/VM path) */
    private static double run(Path data, KafkaSettings settings, String name, int workers, int clones,
            long diskBytes, int maxClones, boolean cpPath) throws Exception {
        TopicLayout topics = TopicLayout.builder().prefix("bench-" + name + ".").build();
        try (Admin admin = Admin.create(settings.admin("bench"))) {
            topics.ensure(admin, 30_000);
        }
        String target = "TGT" + name.toUpperCase(Locale.ROOT).substring(0, 3);
        try (RandomAccessFile file = new RandomAccessFile(data.resolve("volumes").resolve(target + ".img").toFile(), "rw")) {
            file.setLength(clones * 2 * diskBytes);
        }
        List<Process> processes = new ArrayList<>();
        Set<String> copied = ConcurrentHashMap.newKeySet();
        AtomicLong first = new AtomicLong(Long.MAX_VALUE);
        AtomicLong last = new AtomicLong();
        CompletableFuture<Void> allCopied = new CompletableFuture<>();
        try (TopicLog<String, byte[]> events = new TopicLog<>("bench-events", topics.events(),
                () -> new KafkaConsumer<>(settings.consumer("bench-events", null)), (record, live) -> {
                    CloneEvent event = ContractCodec.decodeEvent(record.value(), "bench");
                    long at = event.getTime().getSeconds() * 1_000_000_000L + event.getTime().getNanos();
                    switch (event.getFactCase()) {
                        case COPY_STARTED -> first.accumulateAndGet(at, Math::min);
                        case CLONE_COPIED -> {
                            last.accumulateAndGet(at, Math::max);
                            copied.add(event.getUserid());
                            if (copied.size() == clones) {
                                allCopied.complete(null);
                            }
                        }
                        case COPY_FAILED -> allCopied.completeExceptionally(
                                new IllegalStateException(name + ": " + event.getCopyFailed().getReason()));
                        default -> { }
                    }
                })) {
            events.start();
            events.stopped().whenComplete((ok, error) -> allCopied.completeExceptionally(
                    error != null ? error : new IllegalStateException("the events log stopped")));
            for (int w = 1; w <= workers; w++) {
                processes.add(startWorker(data, settings, topics, name + "-" + w, maxClones, cpPath));
            }
            awaitAssigned(data, name, workers);
            List<CloneRequest> requests = new ArrayList<>();
            for (int i = 0; i < clones; i++) {
                requests.add(request(name, i, target, diskBytes));
            }
            publish(data, settings, topics, requests);
            try {
                allCopied.get(10, TimeUnit.MINUTES);
            } catch (java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException(name + ": only " + copied.size() + " of " + clones
                        + " clones copied in 10 minutes", e);
            } catch (java.util.concurrent.ExecutionException e) {
                throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
            }
            double seconds = (last.get() - first.get()) / 1e9;
            double mibPerSecond = clones * 2.0 * diskBytes / MIB / seconds;
            System.err.printf(Locale.ROOT, "%s: %d worker(s), %d clones in %.2f s = %.1f MiB/s%n", name, workers, clones,
                    seconds, mibPerSecond);
            return mibPerSecond;
        } finally {
            for (Process process : processes) {
                process.destroy();
            }
            for (Process process : processes) {
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }
    }

    /** Waits until every worker's log says it got partitions, so the run measures a settled group. */
    private static void awaitAssigned(Path data, String name, int workers) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        for (int w = 1; w <= workers; w++) {
            // the worker logs to DATA/logs/clonefarm-worker-ID.log; its stdout (ID.log) has the console lines only
            Path log = data.resolve("logs").resolve("clonefarm-worker-" + name + "-" + w + ".log");
            while (!Files.exists(log) || !Files.readString(log).matches("(?s).*partitions assigned \\[[^\\]].*")) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("worker " + name + "-" + w + " got no partitions in 90 s; see " + log);
                }
                Thread.sleep(100);
            }
        }
    }

    private static Process startWorker(Path data, KafkaSettings settings, TopicLayout topics, String id, int maxClones,
            boolean cpPath) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m", "-cp", System.getProperty("java.class.path"), Main.class.getName(), "worker",
                "--bootstrap-servers", settings.bootstrapServers(), "--topic-prefix", topics.prefix(),
                "--data", data.toString(), "--id", id, "--group", "bench-" + id.substring(0, id.indexOf('-')),
                "--max-clones", String.valueOf(maxClones), "--http-port", "-1"));
        if (cpPath) {
            command.addAll(List.of("--disk-access", "cp", "--simulated-zvm"));
        }
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(data.resolve(id + ".log").toFile()).start();
    }

    /**
     * Does what a coordinator's submit does for the batch: the clones' minidisks into the CP directory,
     * the planning facts on the events topic (acknowledged first), then the requests signed with the
     * farm key; workers copy nothing else.
     */
    private static void publish(Path data, KafkaSettings settings, TopicLayout topics, List<CloneRequest> requests)
            throws Exception {
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
            EventPublisher publisher = new EventPublisher(producer, topics, new EventFactory("bench-coordinator"),
                    FarmKey.load(FarmKey.defaultFile(data)));
            String batch = requests.get(0).getBatchId();
            List<CompletableFuture<?>> facts = new ArrayList<>();
            facts.add(publisher.publish(publisher.events().newEvent(batch, "", 0).setBatchPlanned(BatchPlanned.newBuilder()
                    .setClones(requests.size()).setMaster(MASTER)).build()));
            for (CloneRequest request : requests) {
                facts.add(publisher.publish(publisher.events().newEvent(batch, request.getUserid(), 1)
                        .setClonePlanned(ClonePlanned.newBuilder().addAllDisks(request.getDisksList())).build()));
            }
            CompletableFuture.allOf(facts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            for (CloneRequest request : requests) {
                publisher.publish(request);
            }
        }
    }

    private static String mdisk(DiskExtent extent) {
        return " MDISK " + extent.getVaddr() + " FB-512 " + extent.getStart() + " " + extent.getSize() + " "
                + extent.getVolser() + " MR\n";
    }

    private static CloneRequest request(String batch, int clone, String target, long diskBytes) {
        String userid = String.format("%s%07d", batch.substring(0, 1).toUpperCase(Locale.ROOT), clone + 1);
        CloneRequest.Builder request = CloneRequest.newBuilder().setBatchId("bench-" + batch)
                .setRequestId(batch + "-" + userid).setUserid(userid).setAttempt(1).setMaster(MASTER);
        for (int d = 0; d < 2; d++) {
            String vaddr = String.format("%04X", 0x201 + d);
            request.addDisks(CloneDisk.newBuilder().setVaddr(vaddr).setAction(DiskAction.DISK_ACTION_COPY)
                    .setSource(extent(MASTER, vaddr, "MST001", d * diskBytes, diskBytes))
                    .setTarget(extent(userid, vaddr, target, (clone * 2L + d) * diskBytes, diskBytes)));
        }
        return request.build();
    }

    private static DiskExtent extent(String owner, String vaddr, String volser, long byteOffset, long bytes) {
        return DiskExtent.newBuilder().setOwner(owner).setVaddr(vaddr).setDeviceType(DeviceType.DEVICE_TYPE_FB_512)
                .setVolser(volser).setStart(byteOffset / 512).setSize(bytes / 512)
                .setByteOffset(byteOffset).setByteLength(bytes).build();
    }
}
