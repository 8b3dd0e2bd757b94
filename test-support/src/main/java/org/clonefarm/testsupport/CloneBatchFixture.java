package org.clonefarm.testsupport;

import com.google.protobuf.Timestamp;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.clonefarm.proto.BatchPlanned;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.ClonePlanned;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.DeviceType;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.proto.DiskExtent;
import org.clonefarm.proto.DiskRole;
import org.clonefarm.proto.Profile;
import org.clonefarm.proto.RetryRequested;

/**
 * A batch of clone requests over real image files in a data directory of the local simulation: one
 * master volume {@code volumes/MST001.img} of random bytes holding the master's disks, and one target
 * volume {@code volumes/CLN001.img} (sparse) holding every clone's disks one after the other. Userids
 * are {@code LNX0001}, {@code LNX0002}...; disks are {@code 0201}, {@code 0202}... with the given sizes
 * (multiples of 512 bytes). The CP directory {@code directory/USER.DIRECT} holds the master's and every
 * clone's minidisks at those places (FB-512), as a coordinator's submit would have written it; the
 * coordinator's planning facts are {@link #plannedEvents()}. A worker copies a request only when those
 * facts are on the events topic and the request is signed with the farm key. Not thread-safe.
 */
public final class CloneBatchFixture {
    public static final String SOURCE_VOLSER = "MST001";
    public static final String TARGET_VOLSER = "CLN001";
    public static final String MASTER = "LNXMASTR";

    private final Path dataDirectory;
    private final String batchId;
    private final int clones;
    private final long[] diskSizes;
    private final long perClone;

    private CloneBatchFixture(Path dataDirectory, String batchId, int clones, long[] diskSizes) {
        this.dataDirectory = dataDirectory;
        this.batchId = batchId;
        this.clones = clones;
        this.diskSizes = diskSizes.clone();
        this.perClone = Arrays.stream(diskSizes).sum();
    }

    /** Writes the master volume (random bytes from {@code seed}) and an empty sparse target volume. */
    public static CloneBatchFixture create(Path dataDirectory, String batchId, int clones, long[] diskSizes, long seed)
            throws IOException {
        CloneBatchFixture fixture = new CloneBatchFixture(dataDirectory, batchId, clones, diskSizes);
        Files.createDirectories(fixture.volume(SOURCE_VOLSER).getParent());
        Random random = new Random(seed);
        try (FileChannel out = FileChannel.open(fixture.volume(SOURCE_VOLSER), StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            byte[] block = new byte[1 << 20];
            for (long written = 0; written < fixture.perClone; written += block.length) {
                random.nextBytes(block);
                out.write(ByteBuffer.wrap(block, 0, (int) Math.min(block.length, fixture.perClone - written)));
            }
        }
        try (RandomAccessFile target = new RandomAccessFile(fixture.volume(TARGET_VOLSER).toFile(), "rw")) {
            target.setLength(fixture.perClone * clones);
        }
        Path directory = dataDirectory.resolve("directory").resolve("USER.DIRECT");
        Files.createDirectories(directory.getParent());
        Files.writeString(directory, fixture.directoryText(), StandardCharsets.US_ASCII);
        return fixture;
    }

    /** The CP directory of the master and the clones: one FB-512 MDISK per disk where the requests put it. */
    private String directoryText() {
        StringBuilder text = new StringBuilder("USER " + MASTER + " NOLOG 1G 2G G\n");
        for (int d = 0; d < diskSizes.length; d++) {
            text.append(mdisk(d, sourceOffset(d), SOURCE_VOLSER));
        }
        for (int i = 0; i < clones; i++) {
            text.append("USER ").append(userid(i)).append(" NOLOG 1G 2G G\n");
            for (int d = 0; d < diskSizes.length; d++) {
                text.append(mdisk(d, targetOffset(i, d), TARGET_VOLSER));
            }
        }
        return text.toString();
    }

    private String mdisk(int disk, long offset, String volser) {
        return " MDISK " + vaddr(disk) + " FB-512 " + offset / 512 + " " + diskSizes[disk] / 512 + " " + volser + " MR\n";
    }

    /**
     * The coordinator's planning facts of the batch, as its submit publishes them before the requests:
     * one {@code BatchPlanned}, then a {@code ClonePlanned} per clone with the requests' disks.
     */
    public List<CloneEvent> plannedEvents() {
        List<CloneEvent> events = new ArrayList<>();
        BatchPlanned.Builder batch = BatchPlanned.newBuilder().setClones(clones).setBytesTotal(perClone * clones)
                .setProfile(Profile.PROFILE_RW_ROOT).setMaster(MASTER).setSpecDigest("fixture-" + batchId);
        for (int i = 0; i < clones; i++) {
            batch.addUserids(userid(i));
        }
        events.add(planningEvent("").setBatchPlanned(batch).build());
        for (int i = 0; i < clones; i++) {
            CloneRequest request = request(i, 1);
            events.add(planningEvent(userid(i)).setAttempt(1).setClonePlanned(ClonePlanned.newBuilder()
                    .setBytesTotal(perClone).addAllDisks(request.getDisksList())).build());
        }
        return events;
    }

    /** The coordinator's {@code RetryRequested} of a clone's next attempt, published before its request. */
    public CloneEvent retryRequested(int clone, int nextAttempt) {
        return planningEvent(userid(clone)).setAttempt(nextAttempt - 1)
                .setRetryRequested(RetryRequested.newBuilder().setNextAttempt(nextAttempt)).build();
    }

    /**
     * Sends {@link #plannedEvents()} to the events topic one at a time, each acknowledged before the next:
     * a topic created a moment ago may answer its first produce with an error, and an idempotent producer
     * that retries it behind several newer batches of the same partition gets OutOfOrderSequenceException
     * from the in-process test broker (seen once in CI, every retry refused for two minutes).
     */
    public void publishPlan(Producer<String, byte[]> producer, String eventsTopic) throws Exception {
        for (CloneEvent event : plannedEvents()) {
            producer.send(new ProducerRecord<>(eventsTopic, event.getUserid(), event.toByteArray())).get();
        }
    }

    private CloneEvent.Builder planningEvent(String userid) {
        return CloneEvent.newBuilder().setEventId(UUID.randomUUID().toString()).setBatchId(batchId)
                .setUserid(userid).setProducerId("fixture-coordinator")
                .setTime(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()));
    }

    public Path volume(String volser) {
        return dataDirectory.resolve("volumes").resolve(volser + ".img");
    }

    public int clones() {
        return clones;
    }

    public String batchId() {
        return batchId;
    }

    public static String userid(int clone) {
        return String.format("LNX%04d", clone + 1);
    }

    public static String vaddr(int disk) {
        return String.format("%04X", 0x201 + disk);
    }

    /** Where disk {@code disk} of the master starts in the master volume. */
    public long sourceOffset(int disk) {
        long offset = 0;
        for (int d = 0; d < disk; d++) {
            offset += diskSizes[d];
        }
        return offset;
    }

    /** Where disk {@code disk} of clone {@code clone} starts in the target volume. */
    public long targetOffset(int clone, int disk) {
        return clone * perClone + sourceOffset(disk);
    }

    public long diskSize(int disk) {
        return diskSizes[disk];
    }

    public int disks() {
        return diskSizes.length;
    }

    /** The request of clone {@code clone} (0-based) for the given attempt. */
    public CloneRequest request(int clone, int attempt) {
        CloneRequest.Builder request = CloneRequest.newBuilder()
                .setBatchId(batchId)
                .setRequestId(batchId + "-" + userid(clone) + "-" + attempt)
                .setUserid(userid(clone))
                .setAttempt(attempt)
                .setProfile(Profile.PROFILE_RW_ROOT)
                .setMaster(MASTER);
        for (int d = 0; d < diskSizes.length; d++) {
            request.addDisks(CloneDisk.newBuilder()
                    .setVaddr(vaddr(d))
                    .setRole(d == 0 ? DiskRole.DISK_ROLE_ROOT : DiskRole.DISK_ROLE_VAR)
                    .setAction(DiskAction.DISK_ACTION_COPY)
                    .setSource(extent(MASTER, vaddr(d), SOURCE_VOLSER, sourceOffset(d), diskSizes[d]))
                    .setTarget(extent(userid(clone), vaddr(d), TARGET_VOLSER, targetOffset(clone, d), diskSizes[d])));
        }
        request.addDisks(CloneDisk.newBuilder().setVaddr("0203").setRole(DiskRole.DISK_ROLE_SWAP)
                .setAction(DiskAction.DISK_ACTION_VDISK));
        return request.build();
    }

    private static DiskExtent extent(String owner, String vaddr, String volser, long offset, long length) {
        return DiskExtent.newBuilder().setOwner(owner).setVaddr(vaddr).setDeviceType(DeviceType.DEVICE_TYPE_FB_512)
                .setVolser(volser).setStart(offset / 512).setSize(length / 512)
                .setByteOffset(offset).setByteLength(length).build();
    }

    /** The requests of every clone, attempt 1. */
    public List<CloneRequest> requests() {
        List<CloneRequest> requests = new ArrayList<>();
        for (int i = 0; i < clones; i++) {
            requests.add(request(i, 1));
        }
        return requests;
    }

    /** "USERID/VADDR" of every clone disk whose target bytes differ from the master's. */
    public List<String> mismatchedDisks() throws IOException {
        List<String> mismatched = new ArrayList<>();
        byte[][] sourceDigests = new byte[diskSizes.length][];
        for (int d = 0; d < diskSizes.length; d++) {
            sourceDigests[d] = sha256(volume(SOURCE_VOLSER), sourceOffset(d), diskSizes[d]);
        }
        for (int i = 0; i < clones; i++) {
            for (int d = 0; d < diskSizes.length; d++) {
                if (!Arrays.equals(sourceDigests[d], sha256(volume(TARGET_VOLSER), targetOffset(i, d), diskSizes[d]))) {
                    mismatched.add(userid(i) + "/" + vaddr(d));
                }
            }
        }
        return mismatched;
    }

    private static byte[] sha256(Path file, long offset, long length) throws IOException {
        try (FileChannel in = FileChannel.open(file, StandardOpenOption.READ)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
            long position = offset;
            long end = offset + length;
            while (position < end) {
                buffer.clear().limit((int) Math.min(buffer.capacity(), end - position));
                int read = in.read(buffer, position);
                if (read < 0) {
                    break; // shorter than the extent: the digest differs
                }
                buffer.flip();
                digest.update(buffer);
                position += read;
            }
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
