package org.clonefarm.platform.directory;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Extent;
import org.clonefarm.platform.volume.Volume;

/**
 * Whole-directory validation: duplicate userids, duplicate vaddrs in one entry, overlapping extents
 * anywhere (across all entries), LINKs to a missing owner or vaddr, INCLUDEs of missing profiles,
 * AUTOG sizes left unresolved, MDISKs in profiles and, when volume sizes are known, extents beyond
 * their volume. The vaddrs of each SUBCONFIG of an IDENTITY are checked on their own.
 *
 * <p>Runs in O(n log n) for n statements (extents are sorted once and swept), so a directory of
 * thousands of entries validates in milliseconds. Stateless after construction; thread-safe.
 */
public final class DirectoryValidator {

    private final Map<Volser, Volume> volumes;

    /** A validator that also checks extents against these volumes (and resolves {@code END} sizes). */
    public DirectoryValidator(Map<Volser, Volume> volumes) {
        this.volumes = Map.copyOf(volumes);
    }

    /** A validator that knows no volume sizes: {@code END} extents count as running to the end of any volume. */
    public static DirectoryValidator withoutVolumes() {
        return new DirectoryValidator(Map.of());
    }

    /** Every problem found, in the order of the entries; empty when the directory is valid. */
    public List<DirectoryProblem> validate(UserDirectory directory) {
        List<DirectoryProblem> problems = new ArrayList<>();
        List<Placed> extents = new ArrayList<>();
        Map<Userid, DirectoryEntry> seen = new HashMap<>();
        for (DirectoryEntry entry : directory.entries()) {
            DirectoryEntry first = seen.putIfAbsent(entry.name(), entry);
            if (first != null) {
                problems.add(new DirectoryProblem(DirectoryProblem.Kind.DUPLICATE_USERID, entry.name(), entry.line(),
                        entry.header().keyword() + " " + entry.name() + " repeats the name of the entry at "
                                + where(first.line())));
            }
            checkEntry(directory, entry, problems, extents);
        }
        checkOverlaps(extents, problems);
        return problems;
    }

    private void checkEntry(UserDirectory directory, DirectoryEntry entry, List<DirectoryProblem> problems, List<Placed> extents) {
        Map<Vaddr, Integer> devices = new HashMap<>();
        Set<Vaddr> nicdefs = new HashSet<>();
        List<Statement> body = entry.body();
        for (int i = 0; i < body.size(); i++) {
            Statement statement = body.get(i);
            int line = entry.lineOf(i);
            if (statement instanceof UnknownStatement unknown && unknown.keyword().equals("SUBCONFIG")) {
                // each subconfiguration of an IDENTITY is a virtual machine of its own: its vaddrs start afresh
                devices.clear();
                nicdefs.clear();
            }
            var vaddr = DirectoryEntry.definedVaddr(statement);
            if (vaddr.isPresent()) {
                boolean nicdefContinuation = statement instanceof NicdefStatement && !nicdefs.add(vaddr.get()) ;
                Integer firstLine = devices.putIfAbsent(vaddr.get(), line);
                if (firstLine != null && !nicdefContinuation) {
                    problems.add(new DirectoryProblem(DirectoryProblem.Kind.DUPLICATE_VADDR, entry.name(), line,
                            entry.name() + ": " + statement.keyword() + " " + vaddr.get() + " uses a vaddr already defined at "
                                    + where(firstLine)));
                }
            }
            if (statement instanceof MdiskStatement mdisk) {
                if (entry.isProfile()) {
                    problems.add(new DirectoryProblem(DirectoryProblem.Kind.MDISK_IN_PROFILE, entry.name(), line, "PROFILE "
                            + entry.name() + ": MDISK " + mdisk.vaddr() + " is not allowed in a profile; put it in the user entries"));
                }
                checkMdisk(entry, mdisk, line, problems, extents);
            } else if (statement instanceof LinkStatement link) {
                checkLink(directory, entry, link, line, problems);
            } else if (statement instanceof IncludeStatement include) {
                boolean exists = directory.entry(include.profile()).map(DirectoryEntry::isProfile).orElse(false);
                if (!exists) {
                    problems.add(new DirectoryProblem(DirectoryProblem.Kind.PROFILE_MISSING, entry.name(), line,
                            entry.name() + ": INCLUDE " + include.profile() + " names no PROFILE entry"));
                }
            }
        }
    }

    private void checkMdisk(DirectoryEntry entry, MdiskStatement mdisk, int line, List<DirectoryProblem> problems, List<Placed> extents) {
        if (mdisk.location() instanceof MdiskLocation.AutoGroup auto) {
            problems.add(new DirectoryProblem(DirectoryProblem.Kind.UNRESOLVED_AUTOG, entry.name(), line, entry.name()
                    + ": MDISK " + mdisk.vaddr() + " still says AUTOG " + auto.size() + " " + auto.group()
                    + "; only a prototype may, a directory needs a concrete extent"));
            return;
        }
        if (!(mdisk.location() instanceof MdiskLocation.OnVolume on) || !Volser.isValid(on.volid())) {
            return;
        }
        Volume volume = volumes.get(new Volser(on.volid()));
        Extent extent;
        if (on.size() == MdiskLocation.END) {
            long volumeSize = volume != null ? volume.size() : Long.MAX_VALUE / 2;
            if (on.start() >= volumeSize) {
                problems.add(outside(entry, mdisk, line, "starts at " + on.start() + " past the end of " + volume));
                return;
            }
            extent = new Extent(new Volser(on.volid()), mdisk.deviceType(), on.start(), volumeSize - on.start());
        } else {
            extent = mdisk.extent().orElseThrow();
        }
        if (volume != null) {
            if (volume.deviceType() != mdisk.deviceType()) {
                problems.add(outside(entry, mdisk, line, "is " + mdisk.deviceType().directoryName() + " but volume "
                        + volume.volser() + " is " + volume.deviceType().directoryName()));
            } else if (!volume.contains(extent)) {
                problems.add(outside(entry, mdisk, line, "ends at " + extent.last() + ", past the end of " + volume));
            }
        }
        extents.add(new Placed(extent, entry.name(), mdisk.vaddr(), line));
    }

    private static DirectoryProblem outside(DirectoryEntry entry, MdiskStatement mdisk, int line, String what) {
        return new DirectoryProblem(DirectoryProblem.Kind.EXTENT_OUTSIDE_VOLUME, entry.name(), line,
                entry.name() + ": MDISK " + mdisk.vaddr() + " " + what);
    }

    private static void checkLink(UserDirectory directory, DirectoryEntry entry, LinkStatement link, int line, List<DirectoryProblem> problems) {
        var owner = directory.entry(link.owner());
        if (owner.isEmpty() || owner.get().isProfile()) {
            problems.add(new DirectoryProblem(DirectoryProblem.Kind.LINK_OWNER_MISSING, entry.name(), line,
                    entry.name() + ": LINK " + link.owner() + " " + link.vaddr() + " names a userid with no USER entry"));
        } else if (directory.minidisk(link.owner(), link.vaddr()).isEmpty()) {
            problems.add(new DirectoryProblem(DirectoryProblem.Kind.LINK_VADDR_MISSING, entry.name(), line,
                    entry.name() + ": LINK " + link.owner() + " " + link.vaddr() + " names a minidisk " + link.owner()
                            + " does not have"));
        }
    }

    private static void checkOverlaps(List<Placed> extents, List<DirectoryProblem> problems) {
        extents.sort(Comparator.comparing(Placed::extent));
        Placed reach = null; // the extent reaching furthest on the current volume so far
        for (Placed placed : extents) {
            if (reach != null && reach.extent.volser().equals(placed.extent.volser()) && placed.extent.start() < reach.extent.end()) {
                problems.add(new DirectoryProblem(DirectoryProblem.Kind.OVERLAPPING_EXTENTS, placed.owner, placed.line,
                        placed.owner + " MDISK " + placed.vaddr + " (" + placed.extent + ") overlaps " + reach.owner + " MDISK "
                                + reach.vaddr + " (" + reach.extent + ")"));
            }
            if (reach == null || !reach.extent.volser().equals(placed.extent.volser()) || placed.extent.end() > reach.extent.end()) {
                reach = placed;
            }
        }
    }

    private static String where(int line) {
        return line > 0 ? "line " + line : "an entry added in code";
    }

    private record Placed(Extent extent, Userid owner, Vaddr vaddr, int line) {
    }
}
