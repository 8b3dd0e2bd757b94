package org.clonefarm.worker.service;

import java.nio.file.Path;
import java.util.Objects;
import java.util.regex.Pattern;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.worker.copy.CopyOptions;

/**
 * Everything one worker needs: its id, the data directory (volumes and its checkpoints), the Kafka
 * cluster and topics, how many clones it copies at once, how it copies, and its HTTP port. Immutable;
 * the compact constructor validates every value and names it in the message.
 *
 * @param workerId the worker's id: the producer id of its events, its Kafka client id, and the name of
 *     its checkpoint directory ({@code <data>/checkpoints/<id>}), so a restarted worker with the same
 *     id resumes its own checkpoints. 1-64 characters of letters, digits, '.', '_' and '-'.
 * @param dataDirectory the local simulation's data directory: {@code volumes/<VOLSER>.img} are the
 *     volumes a request's extents refer to
 * @param kafka the cluster
 * @param topics the topic names
 * @param groupId the consumer group every worker of the farm joins
 * @param maxClones clones copied at the same time (1-64); a clone's disks are copied in parallel
 * @param copyOptions how each disk is copied; the worker always adds resume-by-compare, so a request
 *     that moved here from another worker costs reads, not writes
 * @param httpPort port of {@code /health} and {@code /metrics}: 0 for any free port, -1 for none
 * @param farmKeyFile the farm key the coordinator signs clone requests with; the worker copies no
 *     request without that signature ({@code <data>/security/farm.key} by default)
 * @param disk how minidisks are reached (cp or volumes), the FLASHCOPY policy and the z/VM path's tools
 */
public record WorkerConfig(
        String workerId,
        Path dataDirectory,
        KafkaSettings kafka,
        TopicLayout topics,
        String groupId,
        int maxClones,
        CopyOptions copyOptions,
        int httpPort,
        Path farmKeyFile,
        DiskSettings disk) {

    /** The consumer group of the farm's workers. */
    public static final String DEFAULT_GROUP = "clonefarm-workers";
    public static final int DEFAULT_MAX_CLONES = 4;
    public static final int MAX_MAX_CLONES = 64;
    public static final String MAX_CLONES_DOC = "Clones copied at the same time (1-64); a clone's disks are copied in parallel.";
    private static final Pattern WORKER_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

    public WorkerConfig {
        Objects.requireNonNull(workerId, "workerId");
        if (!WORKER_ID.matcher(workerId).matches()) {
            throw new IllegalArgumentException("worker id '" + workerId
                    + "' must be 1-64 letters, digits, '.', '_' or '-'");
        }
        Objects.requireNonNull(dataDirectory, "dataDirectory");
        Objects.requireNonNull(kafka, "kafka");
        Objects.requireNonNull(topics, "topics");
        Objects.requireNonNull(groupId, "groupId");
        if (groupId.isBlank()) {
            throw new IllegalArgumentException("consumer group id must not be blank");
        }
        if (maxClones < 1 || maxClones > MAX_MAX_CLONES) {
            throw new IllegalArgumentException("max clones must be 1 to " + MAX_MAX_CLONES + ", got " + maxClones);
        }
        Objects.requireNonNull(copyOptions, "copyOptions");
        if (httpPort < -1 || httpPort > 65535) {
            throw new IllegalArgumentException("HTTP port must be 1-65535, 0 (any free port) or -1 (none), got "
                    + httpPort);
        }
        dataDirectory = dataDirectory.toAbsolutePath().normalize();
        farmKeyFile = farmKeyFile == null ? FarmKey.defaultFile(dataDirectory) : farmKeyFile.toAbsolutePath().normalize();
        Objects.requireNonNull(disk, "disk");
    }

    /** A worker with the default disk settings ({@link DiskSettings#defaults()}). */
    public WorkerConfig(String workerId, Path dataDirectory, KafkaSettings kafka, TopicLayout topics, String groupId,
            int maxClones, CopyOptions copyOptions, int httpPort, Path farmKeyFile) {
        this(workerId, dataDirectory, kafka, topics, groupId, maxClones, copyOptions, httpPort, farmKeyFile,
                DiskSettings.defaults());
    }

    /** A worker with the default group, {@value #DEFAULT_MAX_CLONES} clones at once, default copy options. */
    public static WorkerConfig of(String workerId, Path dataDirectory, KafkaSettings kafka, TopicLayout topics,
            int httpPort) {
        return new WorkerConfig(workerId, dataDirectory, kafka, topics, DEFAULT_GROUP, DEFAULT_MAX_CLONES,
                CopyOptions.defaults(), httpPort, null);
    }

    public WorkerConfig withMaxClones(int clones) {
        return new WorkerConfig(workerId, dataDirectory, kafka, topics, groupId, clones, copyOptions, httpPort, farmKeyFile, disk);
    }

    public WorkerConfig withCopyOptions(CopyOptions options) {
        return new WorkerConfig(workerId, dataDirectory, kafka, topics, groupId, maxClones, options, httpPort, farmKeyFile, disk);
    }

    public WorkerConfig withGroupId(String group) {
        return new WorkerConfig(workerId, dataDirectory, kafka, topics, group, maxClones, copyOptions, httpPort, farmKeyFile, disk);
    }

    /** The same worker reading the farm key from {@code file}. */
    public WorkerConfig withFarmKeyFile(Path file) {
        return new WorkerConfig(workerId, dataDirectory, kafka, topics, groupId, maxClones, copyOptions, httpPort, file, disk);
    }

    /** The same worker reaching minidisks as {@code settings} say. */
    public WorkerConfig withDisk(DiskSettings settings) {
        return new WorkerConfig(workerId, dataDirectory, kafka, topics, groupId, maxClones, copyOptions, httpPort,
                farmKeyFile, settings);
    }

    /** {@code <data>/checkpoints/<worker id>}: this worker's RocksDB (one opener per directory). */
    public Path checkpointDirectory() {
        return dataDirectory.resolve("checkpoints").resolve(workerId);
    }

    /**
     * {@code <data>/mounts/<worker id>}: where this worker mounts a clone's copied /var to seed its key
     * (one directory per clone and disk); what a killed worker left mounted there is released at start.
     */
    public Path mountDirectory() {
        return dataDirectory.resolve("mounts").resolve(workerId);
    }

    /** {@code <data>/stats/copy-rate}: the MiB/s of the last clone this data directory's workers copied. */
    public Path copyRateFile() {
        return dataDirectory.resolve("stats").resolve("copy-rate");
    }

    /**
     * The most buffer bytes this worker's copies hold at once: clones x disks per clone (2 for the RW-root
     * profile: root and /var) x chunks in flight x chunk size. The admission of clones is what bounds it.
     */
    public long bytesInFlightBudget(int disksPerClone) {
        return (long) maxClones * disksPerClone * copyOptions.maxInFlight() * copyOptions.chunkSize();
    }
}
