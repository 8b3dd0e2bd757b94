package org.clonefarm.cli.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.cli.Main;
import org.clonefarm.cli.embedded.ClusterSecurity;
import org.clonefarm.cli.embedded.EmbeddedKafka;
import org.clonefarm.cli.embedded.LocalKafkaCluster;
import org.clonefarm.coordinator.service.EventFolder;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.messaging.TopicLog;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.proto.AgentStarted;
import org.clonefarm.proto.CloneCopied;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CloneSettings;
import org.clonefarm.proto.Configured;
import org.clonefarm.proto.CopyProgress;
import org.clonefarm.proto.CopyStarted;
import org.clonefarm.proto.DiskCopied;
import org.clonefarm.proto.GuestStartRequested;
import org.clonefarm.proto.GuestStarted;
import org.clonefarm.proto.Identified;
import org.clonefarm.proto.Ready;
import org.clonefarm.proto.Rebooting;
import org.clonefarm.worker.service.WorkerConfig;
import org.clonefarm.platform.io.FileTrees;

/**
 * Benchmark of the coordinator's fold (bench/coordinator): N synthetic events for M clones through a
 * real (embedded) broker. Prints {@code name=value} lines: the fold rate, the rate of a raw consumer
 * reading the same records without folding (the baseline) and their ratio, the p99 latency of
 * status queries made while the fold runs, and the heap the folded state holds (used heap after a full
 * collection, after the fold minus before it).
 *
 * <p>With {@code --brokers N} (N &gt; 1) the same run is repeated on a {@link LocalKafkaCluster} of N broker
 * processes (topics with min(3, N) replicas and {@code min.insync.replicas} one less, producers with
 * {@code acks=all} as always), after the single broker has stopped, and the lines of that run carry the
 * suffix {@code _N_brokers}, with {@code fold_N_brokers_vs_1_ratio} beside them: what replication costs the
 * fold (the producers wait for two replicas, the consumers read from leaders spread over three JVMs).
 */
public final class CoordinatorBench {
    private static final TopicLayout LAYOUT = TopicLayout.builder().prefix("bench.").build();

    private CoordinatorBench() {
    }

    /** One run's numbers. */
    private record Result(double produceSeconds, double rawRate, double foldSeconds, double foldRate,
            int statusQueries, long statusQueryP99Nanos, int readyClones, long foldStateBytes) {
    }

    public static void main(String[] args) throws Exception {
        int events = 1_000_000;
        int clones = 10_000;
        int brokers = 1;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--events" -> events = Integer.parseInt(args[++i]);
                case "--clones" -> clones = Integer.parseInt(args[++i]);
                case "--brokers" -> brokers = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + "; use --events N --clones N --brokers N");
            }
        }
        if (clones < 1 || events < clones * 16) {
            throw new IllegalArgumentException("need at least 16 events per clone (" + events + " for " + clones + ")");
        }
        if (brokers < 1 || brokers > LocalKafkaCluster.MAX_BROKERS) {
            throw new IllegalArgumentException("--brokers " + brokers + " must be 1-" + LocalKafkaCluster.MAX_BROKERS);
        }
        System.out.println("events=" + events);
        System.out.println("clones=" + clones);
        Result single;
        Path data = Files.createTempDirectory("clonefarm-bench-coordinator");
        try (EmbeddedKafka broker = EmbeddedKafka.start(data, 0, Duration.ofSeconds(60))) {
            KafkaSettings settings = KafkaSettings.of(broker.bootstrapServers());
            try (Admin admin = Admin.create(settings.admin("bench"))) {
                LAYOUT.ensure(admin, 60_000);
            }
            single = measure(settings, events, clones);
            print("", single);
        } finally {
            FileTrees.deleteTree(data);
        }
        if (brokers > 1) {
            Result cluster = onLocalCluster(brokers, events, clones);
            String suffix = "_" + brokers + "_brokers";
            System.out.println("brokers=" + brokers);
            print(suffix, cluster);
            System.out.printf("fold%s_vs_1_ratio=%.2f%n", suffix, cluster.foldRate() / single.foldRate());
            System.out.printf("raw_consume%s_vs_1_ratio=%.2f%n", suffix, cluster.rawRate() / single.rawRate());
        }
    }

    /** The same run on a local cluster of broker processes, started here and stopped (and deleted) after it. */
    private static Result onLocalCluster(int brokers, int events, int clones) throws Exception {
        Path data = Files.createTempDirectory("clonefarm-bench-coordinator-cluster");
        LocalKafkaCluster cluster = LocalKafkaCluster.at(data);
        try {
            LocalKafkaCluster.Started started = cluster.start(new LocalKafkaCluster.StartPlan(brokers, ClusterSecurity.NONE,
                    LAYOUT, WorkerConfig.DEFAULT_GROUP, Duration.ofSeconds(180), Main.class.getName()), System.err);
            System.err.printf("bench/coordinator: topics on %d brokers: replication factor %d, min.insync.replicas %d%n",
                    brokers, started.topics().replicationFactor(),
                    TopicLayout.minInsyncReplicasFor(started.topics().replicationFactor()));
            return measure(KafkaSettings.of(started.bootstrapServers()), events, clones);
        } finally {
            try {
                if (cluster.exists()) {
                    cluster.stop(Duration.ofSeconds(60), System.err);
                }
            } finally {
                FileTrees.deleteTree(data);
            }
        }
    }

    private static void print(String suffix, Result result) {
        System.out.printf("produce_s%s=%.2f%n", suffix, result.produceSeconds());
        System.out.printf("raw_consume_events_per_s%s=%.0f%n", suffix, result.rawRate());
        System.out.printf("fold_s%s=%.2f%n", suffix, result.foldSeconds());
        System.out.printf("fold_events_per_s%s=%.0f%n", suffix, result.foldRate());
        System.out.printf("fold_ratio_vs_raw_consume%s=%.2f%n", suffix, result.foldRate() / result.rawRate());
        System.out.println("status_queries" + suffix + "=" + result.statusQueries());
        System.out.printf("status_query_p99_us%s=%.1f%n", suffix, result.statusQueryP99Nanos() / 1000.0);
        System.out.println("ready_clones" + suffix + "=" + result.readyClones());
        System.out.printf("fold_state_heap_mib%s=%.1f%n", suffix, result.foldStateBytes() / 1048576.0);
    }

    /** Produces the events into {@link #LAYOUT}'s events topic, reads them raw, then folds them. */
    private static Result measure(KafkaSettings settings, int events, int clones) throws Exception {
        long t0 = System.nanoTime();
        produce(settings, LAYOUT, events, clones);
        double produceSeconds = seconds(t0);

        long t1 = System.nanoTime();
        long consumed = rawConsume(settings, LAYOUT);
        double rawSeconds = seconds(t1);
        double rawRate = consumed / rawSeconds;

        long heapBefore = usedHeapAfterGc();
        CloneStateStore store = new CloneStateStore();
        AtomicBoolean folding = new AtomicBoolean(true);
        List<Long> latencies = new ArrayList<>();
        Thread queries = new Thread(() -> {
            while (folding.get()) {
                String userid = userid(ThreadLocalRandom.current().nextInt(clones));
                long q = System.nanoTime();
                store.status(userid);
                store.batch("bench");
                latencies.add(System.nanoTime() - q);
                try {
                    TimeUnit.MICROSECONDS.sleep(500);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "status-queries");
        double foldSeconds;
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("bench-folder"));
                EventFolder folder = new EventFolder(settings, LAYOUT, store, producer, "bench-coordinator", null)) {
            queries.start();
            long t2 = System.nanoTime();
            folder.start().get(30, TimeUnit.MINUTES);
            foldSeconds = seconds(t2);
            folding.set(false);
            queries.join();
        }
        long[] sorted = latencies.stream().mapToLong(Long::longValue).toArray();
        Arrays.sort(sorted);
        long p99 = sorted.length == 0 ? 0 : sorted[(int) Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)];
        int ready = store.batch("bench").count(org.clonefarm.proto.CloneState.CLONE_STATE_READY);
        long foldState = usedHeapAfterGc() - heapBefore;
        Objects.requireNonNull(store.status(userid(0))); // the store is live until here
        return new Result(produceSeconds, rawRate, foldSeconds, events / foldSeconds, sorted.length, p99, ready, foldState);
    }

    /** The heap in use after a full collection (a hint the default collector takes). */
    private static long usedHeapAfterGc() {
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        System.gc();
        return runtime.totalMemory() - runtime.freeMemory();
    }

    /** Interleaved lives of {@code clones} clones, {@code events / clones} facts each, most of them progress. */
    private static void produce(KafkaSettings settings, TopicLayout layout, int events, int clones) throws Exception {
        EventFactory factory = new EventFactory("bench-producer");
        int perClone = events / clones;
        int progress = perClone - 15;
        Map<String, Object> config = settings.producer("bench-producer");
        config.put("linger.ms", 20);
        config.put("batch.size", 256 * 1024);
        int sent = 0;
        int step = Math.max(1, events / 20);
        java.util.concurrent.atomic.AtomicLong failures = new java.util.concurrent.atomic.AtomicLong();
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config)) {
            for (int phase = 0; phase < perClone; phase++) {
                for (int c = 0; c < clones; c++) {
                    String userid = userid(c);
                    CloneEvent event = fact(factory.newEvent("bench", userid, 1), phase, progress).build();
                    producer.send(new ProducerRecord<>(layout.events(), userid, ContractCodec.encode(event)),
                            (metadata, error) -> {
                                if (error != null && failures.getAndIncrement() == 0) {
                                    System.err.println("bench/coordinator: a send failed: " + error);
                                }
                            });
                    if (++sent % step == 0) {
                        System.err.printf("bench/coordinator: produced %d of %d events%n", sent, events);
                    }
                }
            }
            producer.flush();
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures.get() + " events could not be produced; the numbers would be wrong");
        }
    }

    private static CloneEvent.Builder fact(CloneEvent.Builder event, int phase, int progress) {
        long total = 2L * 1024 * 1024 * 1024;
        if (phase == 0) {
            return event.setClonePlanned(ClonePlanned.newBuilder().setBytesTotal(total)
                    .setSettings(CloneSettings.newBuilder().setHostname(event.getUserid().toLowerCase())
                            .setIpaddr("10.1.1.1")));
        }
        if (phase == 1) {
            return event.setCopyStarted(CopyStarted.newBuilder().setWorkerId("w1").setDisks(2).setBytesTotal(total));
        }
        int p = phase - 2;
        if (p < progress) {
            String vaddr = (p % 2 == 0 ? Role.ROOT : Role.VAR).vaddr().value();
            return event.setCopyProgress(CopyProgress.newBuilder().setVaddr(vaddr)
                    .setBytesDone(total / 2 * (p + 1) / progress).setBytesTotal(total / 2).setBytesPerSecond(1e8));
        }
        return switch (p - progress) {
            case 0 -> event.setDiskCopied(DiskCopied.newBuilder().setVaddr(Role.ROOT.vaddr().value()).setBytesTotal(total / 2).setDigest("d"));
            case 1 -> event.setDiskCopied(DiskCopied.newBuilder().setVaddr(Role.VAR.vaddr().value()).setBytesTotal(total / 2).setDigest("d"));
            case 2 -> event.setCloneCopied(CloneCopied.newBuilder().setBytesTotal(total));
            case 3 -> event.setGuestStartRequested(GuestStartRequested.getDefaultInstance());
            case 4 -> event.setGuestStarted(GuestStarted.newBuilder().setReply("Command accepted"));
            case 5 -> event.setAgentStarted(AgentStarted.newBuilder().setMode("finalize").setBoot(1));
            case 6 -> event.setIdentified(Identified.newBuilder().setUserid(event.getUserid()));
            case 7, 8, 9, 10 -> event.setConfigured(Configured.newBuilder().setDistribution("sles"));
            case 11 -> event.setRebooting(Rebooting.getDefaultInstance());
            default -> event.setReady(Ready.newBuilder().setBoot(2));
        };
    }

    private static long rawConsume(KafkaSettings settings, TopicLayout layout) {
        Map<String, Object> config = settings.consumer("bench-raw", null);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        config.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, 16 * 1024 * 1024);
        config.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, 4 * 1024 * 1024);
        long[] count = {0};
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config)) {
            TopicLog.readOnce(consumer, layout.events(), Duration.ofMinutes(10), record -> count[0]++);
        }
        return count[0];
    }

    static String userid(int index) {
        return String.format("CL%06d", index);
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

}
