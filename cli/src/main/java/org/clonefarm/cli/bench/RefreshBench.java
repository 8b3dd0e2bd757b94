package org.clonefarm.cli.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.clonefarm.cli.embedded.EmbeddedKafka;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.DeviceType;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.proto.DiskExtent;
import org.clonefarm.proto.RetryRequested;

/**
 * Benchmark of refresh (bench/refresh): one {@code clonefarm worker} process on the embedded broker copies
 * N clones (default 10) of a dense random master disk (default 1024 MiB) into one volume image; then 5 % of
 * the master is rewritten (whole 4 MiB chunks at random places, new random bytes) and each clone changes two
 * 4 KiB blocks of its own (as finalize would); the clones are refreshed (a {@code RetryRequested} that says
 * refresh and the refresh request, as the coordinator publishes them after FORCE); and the changed master is
 * copied to N new clones in a fresh volume ("copying them again"). The page cache is dropped before the
 * refresh and before the copy again, so each reads the master and the clones from the disk. A run's time is
 * from its first {@code CopyStarted} to its last {@code CloneCopied} (event times), its bytes written the sum
 * of its {@code DiskCopied.bytes_written}. Prints {@code name=value} lines: {@code refresh_write_ratio}
 * (refresh bytes over copy-again bytes, target <= 0.10), {@code refresh_time_ratio} (target <= 0.3) and the
 * load average before and after. Checks that the first and the last refreshed clone equal the changed master.
 */
public final class RefreshBench {
    private static final long MIB = 1024 * 1024;
    private static final int CHUNK = (int) (4 * MIB);
    private static final String MASTER = BenchBatches.MASTER;
    private static final String VADDR = "0201";

    private RefreshBench() {
    }

    public static void main(String[] args) throws Exception {
        int clones = 10;
        int masterMib = 1024;
        int maxClones = 4;
        double changed = 0.05;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--clones" -> clones = Integer.parseInt(args[++i]);
                case "--mib" -> masterMib = Integer.parseInt(args[++i]);
                case "--max-clones" -> maxClones = Integer.parseInt(args[++i]);
                case "--changed" -> changed = Double.parseDouble(args[++i]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]
                        + " (known: --clones N, --mib N, --max-clones N, --changed FRACTION)");
            }
        }
        System.out.printf(Locale.ROOT, "load_average_at_start=%s%n", load());
        Path data = Files.createTempDirectory(Path.of(System.getProperty("bench.dir", "/var/tmp")), "clonefarm-bench-refresh");
        try (EmbeddedKafka broker = EmbeddedKafka.start(data, 0, Duration.ofSeconds(60))) {
            KafkaSettings settings = KafkaSettings.of(broker.bootstrapServers());
            long bytes = masterMib * MIB;
            Path master = data.resolve("volumes").resolve("MST001.img");
            writeRandom(master, 0, bytes, 7);
            FarmKey.loadOrCreate(FarmKey.defaultFile(data));
            TopicLayout topics = TopicLayout.builder().prefix("bench-refresh.").build();
            try (Admin admin = Admin.create(settings.admin("bench"))) {
                topics.ensure(admin, 30_000);
            }
            Process worker = BenchBatches.startWorker(data, settings, topics, "refresh-1", "bench-refresh", maxClones, "1g",
                    List.of());
            try {
                BenchBatches.awaitAssigned(data, "refresh-1");
                List<CloneRequest> first = requests("a", clones, "TGTAAA", bytes);
                newVolume(data, "TGTAAA", clones * bytes);
                BenchBatches.plan(data, settings, topics, first);
                BenchBatches.CopyTime copy = awaitCopies(settings, topics, "bench-a", 1, clones,
                        () -> BenchBatches.publish(data, settings, topics, first));
                System.out.printf(Locale.ROOT, "first_copy_s=%.3f%nfirst_copy_written_mib=%d%n", copy.seconds(),
                        copy.bytesWritten() / MIB);

                long chunks = bytes / CHUNK;
                int change = (int) Math.max(1, Math.round(chunks * changed));
                Random random = new Random(11);
                Set<Long> picked = new TreeSet<>();
                while (picked.size() < change) {
                    picked.add((long) random.nextInt((int) chunks));
                }
                for (long chunk : picked) {
                    writeRandom(master, chunk * CHUNK, CHUNK, 100 + chunk);
                }
                Path volume = data.resolve("volumes").resolve("TGTAAA.img");
                for (int i = 0; i < clones; i++) { // each clone's own change, as its finalize would make
                    for (int b = 0; b < 2; b++) {
                        long at = i * bytes + (long) random.nextInt((int) (bytes / 4096)) * 4096;
                        writeRandom(volume, at, 4096, 1000 + i * 2 + b);
                    }
                }
                System.out.printf(Locale.ROOT, "master_changed_chunks=%d%nmaster_chunks=%d%n", change, chunks);

                dropCaches();
                String version = "bench-v2";
                BenchBatches.CopyTime refresh = awaitCopies(settings, topics, "bench-a", 2, clones,
                        () -> refresh(data, settings, topics, first, version));
                System.out.printf(Locale.ROOT, "refresh_s=%.3f%nrefresh_written_mib=%.1f%n", refresh.seconds(),
                        refresh.bytesWritten() / (double) MIB);
                for (int i : new int[] {0, clones - 1}) {
                    if (!sameBytes(master, 0, volume, i * bytes, bytes)) {
                        throw new IllegalStateException("refreshed clone " + (i + 1) + " differs from the changed master");
                    }
                }
                System.out.println("refreshed_clones_equal_master=checked_first_and_last");

                List<CloneRequest> again = requests("b", clones, "TGTBBB", bytes);
                newVolume(data, "TGTBBB", clones * bytes);
                BenchBatches.plan(data, settings, topics, again);
                dropCaches();
                BenchBatches.CopyTime copyAgain = awaitCopies(settings, topics, "bench-b", 1, clones,
                        () -> BenchBatches.publish(data, settings, topics, again));
                System.out.printf(Locale.ROOT, "copy_again_s=%.3f%ncopy_again_written_mib=%d%n", copyAgain.seconds(),
                        copyAgain.bytesWritten() / MIB);
                System.out.printf(Locale.ROOT, "refresh_write_ratio=%.4f%n",
                        refresh.bytesWritten() / (double) copyAgain.bytesWritten());
                System.out.printf(Locale.ROOT, "refresh_time_ratio=%.3f%n", refresh.seconds() / copyAgain.seconds());
            } finally {
                worker.destroy();
                if (!worker.waitFor(20, TimeUnit.SECONDS)) {
                    worker.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            System.out.printf(Locale.ROOT, "clones=%d%nmaster_mib=%d%nmax_clones=%d%ncores=%d%n", clones, masterMib,
                    maxClones, Runtime.getRuntime().availableProcessors());
        } finally {
            System.out.printf(Locale.ROOT, "load_average_at_end=%s%n", load());
            try (Stream<Path> files = Files.walk(data)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Runs {@code action} and waits (30 minutes at most) until every clone's {@code attempt} of {@code batch} is copied. */
    private static BenchBatches.CopyTime awaitCopies(KafkaSettings settings, TopicLayout topics, String batch, int attempt,
            int clones, BenchBatches.Action action) throws Exception {
        return BenchBatches.awaitCopies(settings, topics, batch, e -> e.getBatchId().equals(batch) && e.getAttempt() == attempt,
                clones, Duration.ofMinutes(30), action);
    }

    private static String load() throws IOException {
        return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    }

    /** Drops the page cache (root only; without it the bench says so and runs on). */
    private static void dropCaches() throws Exception {
        new ProcessBuilder("sync").inheritIO().start().waitFor();
        try {
            Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
        } catch (IOException e) {
            System.err.println("bench/refresh: cannot drop the page cache (" + e.getMessage() + "); timings include it");
        }
    }

    private static void newVolume(Path data, String volser, long bytes) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(data.resolve("volumes").resolve(volser + ".img").toFile(), "rw")) {
            file.setLength(bytes);
        }
    }

    private static void writeRandom(Path image, long offset, long bytes, long seed) throws IOException {
        Files.createDirectories(image.getParent());
        Random random = new Random(seed);
        byte[] block = new byte[(int) Math.min(MIB, bytes)];
        try (FileChannel out = FileChannel.open(image, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            for (long written = 0; written < bytes; written += block.length) {
                random.nextBytes(block);
                ByteBuffer buffer = ByteBuffer.wrap(block);
                while (buffer.hasRemaining()) {
                    out.write(buffer, offset + written + buffer.position());
                }
            }
            out.force(true);
        }
    }

    private static boolean sameBytes(Path a, long aOffset, Path b, long bOffset, long length) throws Exception {
        return Arrays.equals(sha256(a, aOffset, length), sha256(b, bOffset, length));
    }

    private static byte[] sha256(Path file, long offset, long length) throws Exception {
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        ByteBuffer buffer = ByteBuffer.allocate((int) MIB);
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            for (long at = 0; at < length; ) {
                buffer.clear().limit((int) Math.min(MIB, length - at));
                int n = in.read(buffer, offset + at);
                if (n < 0) {
                    throw new IOException(file + " ends before " + (offset + length));
                }
                buffer.flip();
                sha.update(buffer);
                at += n;
            }
        }
        return sha.digest();
    }

    /** What the coordinator publishes for a refresh (after FORCE): the RetryRequested, then the request. */
    private static void refresh(Path data, KafkaSettings settings, TopicLayout topics, List<CloneRequest> requests,
            String version) throws Exception {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("bench"))) {
            EventPublisher publisher = BenchBatches.publisher(data, producer, topics);
            List<CompletableFuture<?>> facts = new ArrayList<>();
            for (CloneRequest request : requests) {
                facts.add(publisher.publish(publisher.events().newEvent(request.getBatchId(), request.getUserid(), 1)
                        .setRetryRequested(RetryRequested.newBuilder().setNextAttempt(2).setRefresh(true)
                                .setMasterVersion(version)).build()));
            }
            CompletableFuture.allOf(facts.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            List<CompletableFuture<?>> sent = new ArrayList<>();
            for (CloneRequest request : requests) {
                sent.add(publisher.publish(request.toBuilder().setRequestId(request.getRequestId() + "-2").setAttempt(2)
                        .setRefresh(true).setMasterVersion(version).build()));
            }
            CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        }
    }

    private static List<CloneRequest> requests(String batch, int clones, String target, long bytes) {
        List<CloneRequest> requests = new ArrayList<>();
        for (int clone = 0; clone < clones; clone++) {
            String userid = String.format("%s%07d", batch.toUpperCase(Locale.ROOT), clone + 1);
            requests.add(CloneRequest.newBuilder().setBatchId("bench-" + batch).setRequestId(batch + "-" + userid)
                    .setUserid(userid).setAttempt(1).setMaster(MASTER)
                    .addDisks(CloneDisk.newBuilder().setVaddr(VADDR).setAction(DiskAction.DISK_ACTION_COPY)
                            .setSource(extent(MASTER, MSTVOL, 0, bytes))
                            .setTarget(extent(userid, target, clone * bytes, bytes)))
                    .build());
        }
        return requests;
    }

    private static final String MSTVOL = "MST001";

    private static DiskExtent extent(String owner, String volser, long byteOffset, long bytes) {
        return DiskExtent.newBuilder().setOwner(owner).setVaddr(VADDR).setDeviceType(DeviceType.DEVICE_TYPE_FB_512)
                .setVolser(volser).setStart(byteOffset / 512).setSize(bytes / 512)
                .setByteOffset(byteOffset).setByteLength(bytes).build();
    }
}
