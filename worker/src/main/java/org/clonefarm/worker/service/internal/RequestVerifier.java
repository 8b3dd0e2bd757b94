package org.clonefarm.worker.service.internal;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.RequestSignature;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.proto.DiskExtent;
import org.clonefarm.worker.disk.DiskAccessException;
import org.clonefarm.worker.disk.MinidiskAccess;
import org.clonefarm.worker.service.internal.CopyFacts.PlannedClone;

/**
 * Decides whether a clone request is the coordinator's before a byte is written, and where its bytes
 * are. A request is copied only when all of these hold, checked in this order:
 * <ol>
 *   <li>its record carries the farm's signature over its exact key and value ({@link RequestSignature});</li>
 *   <li>its record key is its userid (the partition of a clone's facts);</li>
 *   <li>the events topic has the coordinator's {@code BatchPlanned} of its batch and {@code ClonePlanned}
 *       of its clone in that batch, and its attempt was requested (the first, or one a
 *       {@code RetryRequested} asked for), and it is a refresh exactly when that {@code RetryRequested} asked
 *       for a refresh, of the same master version;</li>
 *   <li>its master and profile are the batch's, and its disks are exactly the planned ones;</li>
 *   <li>every disk to copy goes from the master's minidisk to the clone's own minidisk of the same
 *       address, and its target is not smaller than its source;</li>
 *   <li>the disk access finds the disks where the request says ({@link MinidiskAccess#misplacement}): on
 *       the volumes path the extents it names are the ones the CP directory file gives those minidisks,
 *       and they do not overlap. On the cp path CP decides the bytes: the copy LINKs (owner, vaddr) and
 *       checks {@code QUERY VIRTUAL} against the plan ({@link org.clonefarm.worker.disk.CpMinidiskAccess});
 *       offsets from the record are never used.</li>
 * </ol>
 * The signature alone stops a forger without the key; the rest stops a request that the coordinator
 * did not mean for this plan and directory (a stale retry, a plan edited on the topic, a directory
 * changed since), so that a worker never writes outside the clone's own minidisks.
 *
 * <p>Contract: call only after {@link CopyFacts#fence()} of the record's delivery completed, so every
 * planning fact published before the request is in the view (the coordinator publishes a batch's
 * facts, and a retry's {@code RetryRequested}, before their requests). Not thread-safe: the poll loop's.
 */
final class RequestVerifier {
    private final FarmKey farmKey;
    private final CopyFacts facts;
    /** Where the minidisks' bytes are checked, as far as the disk access can tell. */
    private final MinidiskAccess access;

    /** What to do with a request. */
    sealed interface Verdict {
    }

    /** The coordinator's request; copy these disks (the request's COPY disks, in order). */
    record Admitted(List<AdmittedDisk> disks) implements Verdict {
    }

    /** Not the coordinator's request: copy nothing, dead-letter it with the reason. */
    record Rejected(String reason) implements Verdict {
    }

    /**
     * The coordinator's request, but a disk's bytes cannot be reached (the directory cannot be read,
     * a volume image is missing): the copy fails with this reason, nothing is written.
     */
    record Unavailable(String vaddr, String reason, boolean retryable) implements Verdict {
    }

    /** A disk to copy: the minidisk access attaches its source and target by owner and vaddr. */
    record AdmittedDisk(CloneDisk disk) {
    }

    /** @param access the worker's disk access, asked where each COPY disk's bytes are ({@link MinidiskAccess#misplacement}) */
    RequestVerifier(FarmKey farmKey, CopyFacts facts, MinidiskAccess access) {
        this.farmKey = Objects.requireNonNull(farmKey, "farmKey");
        this.facts = Objects.requireNonNull(facts, "facts");
        this.access = Objects.requireNonNull(access, "access");
    }

    Verdict verify(ConsumerRecord<String, byte[]> record, CloneRequest request) {
        String clone = request.getUserid() + " attempt " + request.getAttempt() + " of batch " + request.getBatchId();
        Optional<String> signature = RequestSignature.problem(farmKey, record.headers(), record.key(), record.value());
        if (signature.isPresent()) {
            return new Rejected("request for " + clone + " is refused: " + signature.get());
        }
        if (!request.getUserid().equals(record.key())) {
            return new Rejected("request for " + clone + " is refused: its record key '" + record.key()
                    + "' is not its userid");
        }
        Optional<PlannedClone> plan = facts.plan(request.getBatchId(), request.getUserid());
        if (plan.isEmpty()) {
            return new Rejected("request for " + clone + " is refused: the coordinator never planned "
                    + request.getUserid() + " in batch " + request.getBatchId() + " (no BatchPlanned and ClonePlanned"
                    + " on the events topic)");
        }
        if (!facts.requested(request.getBatchId(), request.getUserid(), request.getAttempt())) {
            return new Rejected("request for " + clone + " is refused: the coordinator never requested attempt "
                    + request.getAttempt() + " (no RetryRequested for it on the events topic)");
        }
        Optional<String> refresh = facts.refreshVersion(request.getBatchId(), request.getUserid(), request.getAttempt());
        if (request.getRefresh() != refresh.isPresent()
                || (refresh.isPresent() && !refresh.get().equals(request.getMasterVersion()))) {
            return new Rejected("request for " + clone + " is refused: it is " + (request.getRefresh()
                    ? "a refresh to master version '" + request.getMasterVersion() + "'" : "not a refresh")
                    + ", the coordinator asked for " + refresh.map(v -> "a refresh to master version '" + v + "'")
                            .orElse("no refresh") + " of that attempt");
        }
        if (request.getRefresh() && request.getMasterVersion().isEmpty()) {
            return new Rejected("request for " + clone + " is refused: a refresh names no master version");
        }
        String master = plan.get().batch().getMaster();
        if (!request.getMaster().equals(master) || request.getProfile() != plan.get().batch().getProfile()) {
            return new Rejected("request for " + clone + " is refused: it names master " + request.getMaster() + " and "
                    + request.getProfile() + ", the batch was planned with " + master + " and "
                    + plan.get().batch().getProfile());
        }
        if (!request.getDisksList().equals(plan.get().planned().getDisksList())) {
            return new Rejected("request for " + clone + " is refused: its disks differ from the planned ones ("
                    + describe(request.getDisksList()) + " instead of " + describe(plan.get().planned().getDisksList()) + ")");
        }
        List<AdmittedDisk> admitted = new ArrayList<>();
        for (CloneDisk disk : request.getDisksList()) {
            if (disk.getAction() != DiskAction.DISK_ACTION_COPY) {
                continue; // LINK and VDISK: nothing is written
            }
            String problem = ownership(disk, master, request.getUserid());
            if (problem != null) {
                return new Rejected("request for " + clone + " is refused: disk " + disk.getVaddr() + " " + problem);
            }
            if (disk.getTarget().getByteLength() < disk.getSource().getByteLength()) {
                return new Rejected("request for " + clone + " is refused: disk " + disk.getVaddr() + " has a target of "
                        + disk.getTarget().getByteLength() + " bytes, smaller than its source ("
                        + disk.getSource().getByteLength() + ")");
            }
            Optional<String> misplaced;
            try {
                misplaced = access.misplacement(disk);
            } catch (DiskAccessException e) {
                return new Unavailable(disk.getVaddr(), e.getMessage(), e.retryable());
            }
            if (misplaced.isPresent()) {
                return new Rejected("request for " + clone + " is refused: disk " + disk.getVaddr() + " "
                        + misplaced.get());
            }
            admitted.add(new AdmittedDisk(disk));
        }
        return new Admitted(List.copyOf(admitted));
    }

    /** Why a COPY disk does not go from the master's minidisk to the clone's own one, or null. */
    private static String ownership(CloneDisk disk, String master, String userid) {
        DiskExtent source = disk.getSource();
        DiskExtent target = disk.getTarget();
        if (!source.getOwner().equals(master)) {
            return "would be copied from " + source.getOwner() + " " + source.getVaddr() + ", not from the master " + master;
        }
        if (!target.getOwner().equals(userid) || !target.getVaddr().equals(disk.getVaddr())) {
            return "would be written to " + target.getOwner() + " " + target.getVaddr() + ", not to the clone's own "
                    + userid + " " + disk.getVaddr();
        }
        return null;
    }

    private static String describe(List<CloneDisk> disks) {
        StringBuilder text = new StringBuilder();
        for (CloneDisk disk : disks) {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(disk.getVaddr()).append(' ').append(disk.getAction().name().replace("DISK_ACTION_", ""));
            if (disk.getAction() == DiskAction.DISK_ACTION_COPY) {
                DiskExtent target = disk.getTarget();
                text.append(" to ").append(target.getVolser()).append('@').append(target.getByteOffset());
            }
        }
        return text.toString();
    }
}
