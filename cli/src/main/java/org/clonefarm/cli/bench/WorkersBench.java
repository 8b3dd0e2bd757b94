package org.clonefarm.cli.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.clonefarm.cli.embedded.EmbeddedKafka;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.CloneDisk;
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
    private static final String MASTER = BenchBatches.MASTER;

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
        try {
            for (int w = 1; w <= workers; w++) {
                processes.add(BenchBatches.startWorker(data, settings, topics, name + "-" + w, "bench-" + name, maxClones,
                        "512m", cpPath ? List.of("--disk-access", "cp", "--simulated-zvm") : List.of()));
            }
            for (int w = 1; w <= workers; w++) {
                BenchBatches.awaitAssigned(data, name + "-" + w);
            }
            List<CloneRequest> requests = new ArrayList<>();
            for (int i = 0; i < clones; i++) {
                requests.add(request(name, i, target, diskBytes));
            }
            BenchBatches.plan(data, settings, topics, requests);
            double seconds = BenchBatches.awaitCopies(settings, topics, name, e -> true, clones, Duration.ofMinutes(10),
                    () -> BenchBatches.publish(data, settings, topics, requests)).seconds();
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
