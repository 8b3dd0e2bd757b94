package org.clonefarm.worker.service.internal;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.clonefarm.messaging.ContractCodec;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.DeviceType;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.proto.DiskExtent;
import org.clonefarm.proto.DiskRole;
import org.clonefarm.proto.Profile;
import org.clonefarm.worker.copy.CheckpointStore;
import org.clonefarm.worker.copy.CopyEngine;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.worker.disk.CpAccessOptions;
import org.clonefarm.worker.disk.CpMinidiskAccess;
import org.clonefarm.worker.disk.FakeZvm;
import org.clonefarm.worker.disk.FileCcwBus;
import org.clonefarm.worker.disk.FlashcopyPolicy;

/**
 * A worker's copy of one clone on the cp path, in process and without a broker: the real {@link CloneJob},
 * {@link CpMinidiskAccess}, copy engine and checkpoint store; CP is a {@link FakeZvm} behind the real
 * {@code VmcpCp}, the ccw bus a {@link FileCcwBus}, {@code dasdfmt} a script that logs its arguments, and
 * the events go to Kafka's {@link MockProducer}. Layout under {@code dir}: {@code zvm/} (the fake CP and
 * the minidisks' files), {@code by-path/}, {@code state/}, {@code checkpoints/}. Test code.
 */
final class CpPathHarness implements AutoCloseable {
    static final String MASTER = "LNXMASTR";
    static final String CLONE = "LNX0001";
    static final int MIB = 1024 * 1024;
    /** 0201: FB-512 root of 8 MiB. */
    static final long FBA_BLOCKS = 16_384;
    /** 0202: 3390 /var of 4 cylinders (4 x 737,280 bytes as Linux sees it with 4 KiB blocks). */
    static final long ECKD_CYLINDERS = 4;

    final Path dir;
    final FakeZvm zvm;
    final FileCcwBus bus;
    final CpMinidiskAccess access;
    final CheckpointStore store;
    final CopyEngine engine;
    final MockProducer<String, byte[]> producer;
    final ExecutorService diskExecutor = Executors.newCachedThreadPool();
    private final CloneJob.Tools tools;

    private CpPathHarness(Path dir, FakeZvm zvm, FlashcopyPolicy policy, CpAccessOptions options, CopyOptions copy,
            MockProducer<String, byte[]> producer) throws IOException, CopyException {
        this.dir = dir;
        this.zvm = zvm;
        this.bus = new FileCcwBus(zvm, dir.resolve("by-path"));
        this.access = new CpMinidiskAccess(zvm.cp(), bus, options);
        this.store = CheckpointStore.open(dir.resolve("checkpoints"));
        this.engine = new CopyEngine(store);
        this.producer = producer;
        EventPublisher publisher = new EventPublisher(producer, TopicLayout.defaults(), new EventFactory("w1"));
        this.tools = new CloneJob.Tools("w1", engine, store, access, policy, diskExecutor, publisher, copy,
                new WorkerMetrics(new SimpleMeterRegistry(), "w1", () -> -1), dir.resolve("stats/copy-rate"),
                new CloneKeySeeder(FarmKey.of(new byte[FarmKey.LENGTH]), dir.resolve("mounts")));
    }

    /** A farm with the master's two minidisks (random bytes) and the clone's (zeros), nothing linked yet. */
    static FakeZvm createFarm(Path dir) throws IOException {
        return createFarm(dir, FBA_BLOCKS);
    }

    /** The same with a root disk of {@code fbaBlocks} 512-byte blocks. */
    static FakeZvm createFarm(Path dir, long fbaBlocks) throws IOException {
        FakeZvm zvm = FakeZvm.create(dir.resolve("zvm"));
        long fba = fbaBlocks * 512;
        long eckd = ECKD_CYLINDERS * 737_280;
        fill(zvm.addMinidisk(MASTER, "0201", "FB-512", fbaBlocks, "MST001", 0, ""), fba, 1);
        fill(zvm.addMinidisk(MASTER, "0202", "3390", ECKD_CYLINDERS, "MST002", 0, ""), eckd, 2);
        zvm.addMinidisk(CLONE, "0201", "FB-512", fbaBlocks, "CLN001", fba, "");
        zvm.addMinidisk(CLONE, "0202", "3390", ECKD_CYLINDERS, "CLN002", eckd, "");
        Path dasdfmt = dir.resolve("dasdfmt");
        Files.writeString(dasdfmt, "#!/bin/bash\necho \"$*\" >> \"" + dir.resolve("dasdfmt.log")
                + "\"\necho 'cyl    4 of    4 |##########| 100%'\n", StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(dasdfmt, PosixFilePermissions.fromString("rwxr-xr-x"));
        return zvm;
    }

    static CpPathHarness open(Path dir, FakeZvm zvm, FlashcopyPolicy policy) throws IOException, CopyException {
        return open(dir, zvm, policy, options(dir), CopyOptions.defaults().withChunkSize(MIB));
    }

    static CpPathHarness open(Path dir, FakeZvm zvm, FlashcopyPolicy policy, CpAccessOptions options, CopyOptions copy)
            throws IOException, CopyException {
        return open(dir, zvm, policy, options, copy,
                new MockProducer<>(true, null, new StringSerializer(), new ByteArraySerializer()));
    }

    static CpPathHarness open(Path dir, FakeZvm zvm, FlashcopyPolicy policy, CpAccessOptions options, CopyOptions copy,
            MockProducer<String, byte[]> producer) throws IOException, CopyException {
        return new CpPathHarness(dir, zvm, policy, options, copy, producer);
    }

    static CpAccessOptions options(Path dir) {
        return new CpAccessOptions(dir.resolve("state"), "w1", java.time.Duration.ofSeconds(5),
                java.time.Duration.ofSeconds(10), dir.resolve("dasdfmt").toString(), Vaddr.of("1000"), Vaddr.of("10FF"));
    }

    /**
     * The clone's request: 0201 (FB-512) and 0202 (3390) copied, 0203 a V-DISK. Their bytes are random, not
     * file systems: 0202 has the role OTHER, not VAR, so no clone key is seeded into it (CloneKeySeedingTest).
     */
    static CloneRequest request(boolean targetsFormatted) {
        return request(targetsFormatted, FBA_BLOCKS);
    }

    /** The same with a root disk of {@code fbaBlocks} blocks. */
    static CloneRequest request(boolean targetsFormatted, long fbaBlocks) {
        return CloneRequest.newBuilder().setBatchId("b1").setRequestId("b1-" + CLONE + "-1").setUserid(CLONE)
                .setAttempt(1).setProfile(Profile.PROFILE_RW_ROOT).setMaster(MASTER)
                .addDisks(disk("0201", DiskRole.DISK_ROLE_ROOT, DeviceType.DEVICE_TYPE_FB_512, fbaBlocks, fbaBlocks * 512,
                        targetsFormatted))
                .addDisks(disk("0202", DiskRole.DISK_ROLE_OTHER, DeviceType.DEVICE_TYPE_3390, ECKD_CYLINDERS,
                        ECKD_CYLINDERS * 737_280, targetsFormatted))
                .addDisks(CloneDisk.newBuilder().setVaddr("0203").setRole(DiskRole.DISK_ROLE_SWAP)
                        .setAction(DiskAction.DISK_ACTION_VDISK))
                .build();
    }

    private static CloneDisk disk(String vaddr, DiskRole role, DeviceType type, long size, long bytes, boolean formatted) {
        return CloneDisk.newBuilder().setVaddr(vaddr).setRole(role).setAction(DiskAction.DISK_ACTION_COPY)
                .setSource(extent(MASTER, vaddr, type, size, bytes)).setTarget(extent(CLONE, vaddr, type, size, bytes))
                .setTargetFormatted(formatted).build();
    }

    private static DiskExtent extent(String owner, String vaddr, DeviceType type, long size, long bytes) {
        return DiskExtent.newBuilder().setOwner(owner).setVaddr(vaddr).setDeviceType(type)
                .setVolser(owner.equals(MASTER) ? "MST001" : "CLN001").setStart(0).setSize(size).setByteOffset(0)
                .setByteLength(bytes).build();
    }

    /** The COPY disks of a request, as the verifier admits them. */
    static List<RequestVerifier.AdmittedDisk> admitted(CloneRequest request) {
        return request.getDisksList().stream().filter(d -> d.getAction() == DiskAction.DISK_ACTION_COPY)
                .map(RequestVerifier.AdmittedDisk::new).toList();
    }

    CloneJob job(CloneRequest request) {
        return new CloneJob(request, admitted(request), tools);
    }

    /** Runs the request's job to its end. */
    CloneJob.Outcome copy(CloneRequest request) throws Exception {
        return job(request).start().get(60, TimeUnit.SECONDS);
    }

    /** Every event published so far, in order. */
    List<CloneEvent> events() {
        return producer.history().stream().map(ProducerRecord::value)
                .map(v -> ContractCodec.decodeEvent(v, "mock")).toList();
    }

    List<CloneEvent> events(CloneEvent.FactCase fact) {
        return events().stream().filter(e -> e.getFactCase() == fact).toList();
    }

    /** The lines of the fake dasdfmt's log: its arguments per run. */
    List<String> dasdfmtRuns() throws IOException {
        Path log = dir.resolve("dasdfmt.log");
        return Files.exists(log) ? Files.readAllLines(log) : List.of();
    }

    private static void fill(Path file, long bytes, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] block = new byte[MIB];
        try (java.io.OutputStream out = Files.newOutputStream(file)) {
            for (long written = 0; written < bytes; written += block.length) {
                random.nextBytes(block);
                out.write(block, 0, (int) Math.min(block.length, bytes - written));
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        access.close();
        diskExecutor.shutdown();
        diskExecutor.awaitTermination(10, TimeUnit.SECONDS);
        engine.close();
        store.close();
        producer.close();
    }
}
