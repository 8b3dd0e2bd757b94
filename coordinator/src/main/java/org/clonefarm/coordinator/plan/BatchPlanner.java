package org.clonefarm.coordinator.plan;

import com.google.protobuf.Timestamp;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import org.clonefarm.coordinator.spec.CloneSpec;
import org.clonefarm.coordinator.spec.DiskRule;
import org.clonefarm.coordinator.spec.NetworkSpec;
import org.clonefarm.coordinator.spec.PlannedClone;
import org.clonefarm.platform.allocation.ExtentAllocator;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.LinkStatement;
import org.clonefarm.platform.directory.MdiskLocation;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.NewUser;
import org.clonefarm.platform.directory.NicdefStatement;
import org.clonefarm.platform.directory.Prototype;
import org.clonefarm.platform.directory.Statement;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.volume.Extent;
import org.clonefarm.proto.CloneDisk;
import org.clonefarm.proto.CloneRequest;
import org.clonefarm.proto.CloneSettings;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.proto.DiskExtent;

/**
 * Turns a validated spec into a {@link BatchPlan} against a directory snapshot, as DirMaint's
 * {@code ADD newid LIKE proto} would: the prototype's entry with the spec's disks (copy = a minidisk
 * of the master's size allocated from the spec's group, link = {@code LINK master vaddr vaddr RR},
 * vdisk = a V-DISK), one entry per clone with concrete extents for the whole batch at once (all or
 * nothing), and the clone requests that tell the workers which bytes go where.
 *
 * <p>{@link #plan} adds the entries to the directory object it was given (the caller writes it).
 * When the directory already holds this batch's entries (a submit that died before publishing), they
 * are taken as they are. Not thread-safe: one planner per submit.
 */
public final class BatchPlanner {
    /** Clones are started by XAUTOLOG only; nobody logs on to them with a password. */
    public static final String CLONE_PASSWORD = "AUTOONLY";

    private final UserDirectory directory;
    private final ExtentControl control;

    public BatchPlanner(UserDirectory directory, ExtentControl control) {
        this.directory = Objects.requireNonNull(directory, "directory");
        this.control = Objects.requireNonNull(control, "control");
    }

    /** SHA-256 of the spec's canonical form, hex: two specs with the same meaning have the same digest. */
    public static String digest(CloneSpec spec) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(spec.toString().getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * Plans the batch. The spec must have passed {@link org.clonefarm.coordinator.spec.SpecValidator}
     * against this directory.
     *
     * @throws org.clonefarm.platform.allocation.AllocationException when the group has no room
     * @throws IllegalStateException when this batch's marked entries exist but were made from another spec
     */
    public BatchPlan plan(CloneSpec spec, List<PlannedClone> clones, Instant now) {
        String digest = digest(spec);
        BatchMarker marker = new BatchMarker(digest.substring(0, 16), spec.batch());
        Map<String, DirectoryEntry> existing = ownEntries(spec.batch(), marker);
        List<DirectoryEntry> entries;
        if (existing.size() == clones.size() && clones.stream().allMatch(c -> existing.containsKey(c.userid()))) {
            entries = clones.stream().map(c -> existing.get(c.userid())).toList();
        } else {
            for (String userid : existing.keySet()) {
                directory.remove(new Userid(userid)); // a partial earlier attempt: plan afresh
            }
            Prototype prototype = Prototype.of(effectivePrototype(spec, marker));
            List<NewUser> users = clones.stream().map(c -> new NewUser(new Userid(c.userid()), CLONE_PASSWORD)).toList();
            entries = new ExtentAllocator(control, directory).addLike(prototype, users);
        }
        List<NamesEntry> names = new ArrayList<>();
        List<CloneRequest> requests = new ArrayList<>();
        long bytes = 0;
        Timestamp created = Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()).build();
        for (int i = 0; i < clones.size(); i++) {
            PlannedClone clone = clones.get(i);
            CloneRequest request = request(spec, clone, entries.get(i), created);
            for (CloneDisk disk : request.getDisksList()) {
                if (disk.getAction() == DiskAction.DISK_ACTION_COPY) {
                    bytes += disk.getSource().getByteLength();
                }
            }
            requests.add(request);
            names.add(namesEntry(spec, clone, macAddress(spec, entries.get(i))));
        }
        return new BatchPlan(spec, digest, entries, names, requests, bytes);
    }

    private Map<String, DirectoryEntry> ownEntries(String batch, BatchMarker expected) {
        Map<String, DirectoryEntry> own = new HashMap<>();
        for (DirectoryEntry entry : directory.entries()) {
            Optional<BatchMarker> marker = BatchMarker.of(entry);
            if (marker.isPresent() && marker.get().batch().equals(batch)) {
                if (!marker.get().equals(expected)) {
                    throw new IllegalStateException("the directory holds entries of batch " + batch
                            + " made from another spec (digest " + marker.get().specDigest() + "); pick a new batch name");
                }
                own.put(entry.name().value(), entry);
            }
        }
        return own;
    }

    /** The prototype with the spec's disks in place of its own, and the batch marker. */
    private DirectoryEntry effectivePrototype(CloneSpec spec, BatchMarker marker) {
        DirectoryEntry prototype = directory.entry(new Userid(spec.prototype())).orElseThrow(() ->
                new IllegalStateException("prototype " + spec.prototype() + " is not in the directory"));
        Map<String, DiskRule> rules = new LinkedHashMap<>();
        for (DiskRule rule : spec.disks()) {
            rules.put(rule.vaddr(), rule);
        }
        List<Statement> body = new ArrayList<>();
        body.add(marker.comment());
        for (Statement statement : prototype.body()) {
            Optional<Vaddr> defined = DirectoryEntry.definedVaddr(statement);
            if (defined.isPresent() && rules.containsKey(defined.get().value())) {
                continue; // the spec decides what this vaddr is
            }
            body.add(statement);
        }
        Userid master = new Userid(spec.master());
        for (DiskRule rule : rules.values()) {
            Vaddr vaddr = new Vaddr(rule.vaddr());
            switch (rule.action()) {
                case DISK_ACTION_COPY -> {
                    Extent source = directory.minidisk(master, vaddr).flatMap(MdiskStatement::extent).orElseThrow(() ->
                            new IllegalStateException(master + " " + vaddr + " is not a minidisk on a volume"));
                    body.add(new MdiskStatement(vaddr, source.deviceType(),
                            new MdiskLocation.AutoGroup(source.size(), spec.volumes()), "MR", List.of()));
                }
                case DISK_ACTION_LINK -> body.add(new LinkStatement(master, vaddr, vaddr, "RR"));
                case DISK_ACTION_VDISK -> body.add(new MdiskStatement(vaddr, DeviceType.FB_512,
                        new MdiskLocation.VDisk(rule.vdiskBlocks()), "MR", List.of()));
                default -> throw new IllegalStateException("no directory statement for " + rule);
            }
        }
        return prototype.withBody(body);
    }

    private CloneRequest request(CloneSpec spec, PlannedClone clone, DirectoryEntry entry, Timestamp created) {
        Userid master = new Userid(spec.master());
        CloneRequest.Builder request = CloneRequest.newBuilder()
                .setBatchId(spec.batch())
                .setRequestId(UUID.randomUUID().toString())
                .setUserid(clone.userid())
                .setAttempt(1)
                .setProfile(spec.profile().proto())
                .setMaster(spec.master())
                .setSettings(settings(spec.network(), clone))
                .setCreatedAt(created);
        for (DiskRule rule : spec.disks()) {
            Vaddr vaddr = new Vaddr(rule.vaddr());
            CloneDisk.Builder disk = CloneDisk.newBuilder().setVaddr(rule.vaddr()).setRole(rule.role())
                    .setAction(rule.action());
            switch (rule.action()) {
                case DISK_ACTION_COPY -> {
                    disk.setSource(extent(spec.master(), vaddr, directory.minidisk(master, vaddr).orElseThrow()));
                    disk.setTarget(extent(clone.userid(), vaddr, entry.minidisk(vaddr).orElseThrow()));
                }
                case DISK_ACTION_LINK -> disk.setSource(extent(spec.master(), vaddr,
                        directory.minidisk(master, vaddr).orElseThrow())).setLinkMode("RR");
                case DISK_ACTION_VDISK -> disk.setTarget(DiskExtent.newBuilder().setOwner(clone.userid())
                        .setVaddr(rule.vaddr()).setDeviceType(org.clonefarm.proto.DeviceType.DEVICE_TYPE_VDISK)
                        .setSize(rule.vdiskBlocks()).setByteLength(rule.vdiskBlocks() * 512));
                default -> throw new IllegalStateException("no request disk for " + rule);
            }
            request.addDisks(disk);
        }
        return request.build();
    }

    private static DiskExtent extent(String owner, Vaddr vaddr, MdiskStatement mdisk) {
        DiskExtent.Builder extent = DiskExtent.newBuilder().setOwner(owner).setVaddr(vaddr.value())
                .setDeviceType(mdisk.deviceType() == DeviceType.DASD_3390 ? org.clonefarm.proto.DeviceType.DEVICE_TYPE_3390
                        : org.clonefarm.proto.DeviceType.DEVICE_TYPE_FB_512);
        mdisk.extent().ifPresent(e -> extent.setVolser(e.volser().value()).setStart(e.start()).setSize(e.size())
                .setByteOffset(e.byteOffset()).setByteLength(e.byteLength()));
        return extent.build();
    }

    private static CloneSettings settings(NetworkSpec network, PlannedClone clone) {
        CloneSettings.Builder settings = CloneSettings.newBuilder().setHostname(clone.hostname());
        if (clone.ip() != null) {
            settings.setIpaddr(clone.ip());
        }
        if (network != null) {
            if (network.netmask() != null) {
                settings.setNetmask(network.netmask());
            } else if (network.prefix() >= 0) {
                settings.setNetmask(Integer.toString(network.prefix()));
            }
            if (network.gateway() != null) {
                settings.setGateway(network.gateway());
            }
            settings.addAllNameservers(network.nameservers());
            if (network.domain() != null) {
                settings.setDomain(network.domain());
            }
            if (network.interfaceName() != null) {
                settings.setInterface(network.interfaceName());
            }
        }
        return settings.build();
    }

    /**
     * The MAC address of the clone's interface, for its NAMES entry's {@code :macaddr.}: z/VM's
     * ({@link CloneLayout#macAddressOfMacid}) when the clone's NICDEF (its own entry's, else an included
     * profile's) has a {@code MACID}, else none: without a MACID, CP makes the MAC from the system's
     * {@code MACPREFIX} and an identifier of its own choice, which the farm cannot know, so the agent then
     * takes {@code :interface.} or its {@code interface.default}. The NICDEF is the one at the spec's
     * {@code network.interface} when that is a device number, else the one at the lowest vaddr.
     */
    private Optional<String> macAddress(CloneSpec spec, DirectoryEntry entry) {
        List<NicdefStatement> nicdefs = new ArrayList<>(entry.ofKind(NicdefStatement.class));
        for (Userid profile : entry.includes()) {
            directory.entry(profile).ifPresent(p -> nicdefs.addAll(p.ofKind(NicdefStatement.class)));
        }
        String iface = spec.network() == null ? null : spec.network().interfaceName();
        Optional<Vaddr> wanted = iface != null && iface.matches("(0\\.0\\.)?[0-9A-Fa-f]{1,4}")
                ? Optional.of(Vaddr.of(iface.substring(iface.lastIndexOf('.') + 1))) : Optional.empty();
        Optional<Vaddr> nic = wanted.isPresent() ? wanted
                : nicdefs.stream().map(NicdefStatement::vaddr).min(java.util.Comparator.comparingInt(Vaddr::number));
        Optional<String> macid = nicdefs.stream().filter(n -> nic.isPresent() && n.vaddr().equals(nic.get()))
                .map(n -> n.option("MACID")).flatMap(Optional::stream).filter(m -> m.matches("[0-9A-Fa-f]{6}"))
                .findFirst();
        return macid.map(CloneLayout::macAddressOfMacid);
    }

    /**
     * The clone's NAMES entry: the tags the guest agent reads, plus {@code :batch.}. An IPv6 address
     * goes into {@code :ipaddr6.}, its prefix into {@code :prefix6.} and its gateway into
     * {@code :gateway6.} (the spec gives one family per batch); {@code :macaddr.} is {@code macAddress} where known.
     */
    static NamesEntry namesEntry(CloneSpec spec, PlannedClone clone, Optional<String> macAddress) {
        CloneSettings s = settings(spec.network(), clone);
        Map<String, String> tags = new LinkedHashMap<>();
        tags.put("hostname", s.getHostname());
        boolean ipv6 = s.getIpaddr().contains(":") || s.getGateway().contains(":");
        if (!s.getIpaddr().isEmpty()) {
            tags.put(ipv6 ? "ipaddr6" : "ipaddr", s.getIpaddr());
        }
        if (!s.getNetmask().isEmpty()) {
            tags.put(ipv6 ? "prefix6" : s.getNetmask().contains(".") ? "netmask" : "prefix", s.getNetmask());
        }
        if (!s.getGateway().isEmpty()) {
            tags.put(ipv6 ? "gateway6" : "gateway", s.getGateway());
        }
        if (s.getNameserversCount() > 0) {
            tags.put("nameservers", String.join(" ", s.getNameserversList()));
        }
        if (!s.getDomain().isEmpty()) {
            tags.put("domain", s.getDomain());
        }
        if (!s.getInterface().isEmpty()) {
            tags.put("interface", s.getInterface());
        }
        macAddress.ifPresent(mac -> tags.put("macaddr", mac));
        tags.put("batch", spec.batch());
        return NamesEntry.of(clone.userid(), tags);
    }
}
