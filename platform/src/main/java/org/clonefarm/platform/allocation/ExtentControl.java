package org.clonefarm.platform.allocation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.geometry.Model3390;
import org.clonefarm.platform.io.BoundedFiles;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Volume;

/**
 * Where minidisks may be allocated: DirMaint's EXTENT CONTROL file, the part this project uses. In
 * the local simulation it is {@code <data>/directory/EXTENT.CONTROL}:
 *
 * <pre>
 * :REGIONS.
 * *RegionId VolSer   RegStart RegEnd   Dev-Type
 * LX0001    LX0001   1        END      3390-09
 * LX0002    LX0002   1        END      3390-S200
 * :END.
 * :GROUPS.
 * *GroupName RegionList
 * LINUX     (ALLOCATE ROTATING)
 * LINUX     LX0001 LX0002
 * :END.
 * :DEFAULTS.
 * *Dev-Type Size
 * 3390-S200 200
 * :END.
 * </pre>
 *
 * <p>RegStart is the first cylinder (3390) or block (FB-512), RegEnd the last one or {@code END}.
 * Dev-Type is a 3390 model ({@code 3390-03}, {@code 3390-09}, ... see {@link Model3390}) or a type
 * defined with its size in {@code :DEFAULTS.}; a volume's size is its type's size. A group line
 * lists regions (repeated lines add to the group) or sets {@code (ALLOCATE LINEAR|ROTATING)}.
 * Lines starting with {@code *} are comments; sections other than these three (such as
 * {@code :EXCLUDE.}) are skipped. {@link #print()} writes this canonical form (comments are not
 * kept).
 *
 * <p>Immutable and thread-safe.
 */
public final class ExtentControl {
    /** The largest EXTENT CONTROL file read: 16 MiB, room for some 200,000 region lines. */
    public static final int MAX_FILE_BYTES = 16 * 1024 * 1024;

    private final List<Region> regions;
    private final Map<String, Region> regionsById;
    private final Map<String, Group> groups;
    private final Map<String, Long> deviceSizes;
    private final Map<Volser, Volume> volumes;

    private ExtentControl(List<Region> regions, Map<String, Group> groups, Map<String, Long> deviceSizes) {
        this.regions = List.copyOf(regions);
        Map<String, Region> byId = new LinkedHashMap<>();
        Map<Volser, Volume> vols = new LinkedHashMap<>();
        for (Region region : regions) {
            if (byId.putIfAbsent(region.id(), region) != null) {
                throw new IllegalArgumentException("region " + region.id() + " is defined twice");
            }
            Volume known = vols.putIfAbsent(region.volser(), region.volume());
            if (known != null && !known.equals(region.volume())) {
                throw new IllegalArgumentException("region " + region.id() + " says volume " + region.volser() + " is "
                        + region.volume() + ", an earlier region says " + known);
            }
        }
        for (Group group : groups.values()) {
            for (String id : group.regionIds()) {
                if (!byId.containsKey(id)) {
                    throw new IllegalArgumentException("group " + group.name() + " lists region " + id + ", which :REGIONS. does not define");
                }
            }
        }
        this.regionsById = Collections.unmodifiableMap(byId);
        this.groups = Collections.unmodifiableMap(new LinkedHashMap<>(groups));
        this.deviceSizes = Collections.unmodifiableMap(new LinkedHashMap<>(deviceSizes));
        this.volumes = Collections.unmodifiableMap(vols);
    }

    /** No regions, no groups. */
    public static ExtentControl empty() {
        return new ExtentControl(List.of(), Map.of(), Map.of());
    }

    /**
     * Reads an EXTENT CONTROL file of at most {@link #MAX_FILE_BYTES}.
     *
     * @throws org.clonefarm.platform.io.BoundedFiles.FileTooLargeException when the file is larger
     */
    public static ExtentControl read(Path file) throws IOException {
        return parse(BoundedFiles.readUtf8(file, MAX_FILE_BYTES, "EXTENT CONTROL file"), file.toString());
    }

    /**
     * Parses EXTENT CONTROL text.
     *
     * @throws ExtentControlException naming the source and line of what does not parse
     */
    public static ExtentControl parse(String text, String source) {
        String[] lines = text.split("\r?\n");
        String section = null;
        List<String[]> regionRows = new ArrayList<>();
        List<Integer> regionLines = new ArrayList<>();
        Map<String, Long> sizes = new LinkedHashMap<>();
        Map<String, Boolean> rotating = new LinkedHashMap<>();
        Map<String, List<String>> members = new LinkedHashMap<>();
        for (int i = 0; i < lines.length; i++) {
            int lineNo = i + 1;
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("*")) {
                continue;
            }
            if (line.startsWith(":")) {
                String tag = line.split("\\s+")[0].toUpperCase(Locale.ROOT);
                section = tag.equals(":END.") ? null : tag;
                continue;
            }
            String[] words = line.toUpperCase(Locale.ROOT).split("\\s+");
            if (section == null) {
                throw new ExtentControlException(source, lineNo, "'" + line + "' is outside a section (:REGIONS., :GROUPS., :DEFAULTS.)");
            }
            switch (section) {
                case ":REGIONS." -> {
                    if (words.length < 5) {
                        throw new ExtentControlException(source, lineNo, "a region is 'RegionId VolSer RegStart RegEnd Dev-Type', got '" + line + "'");
                    }
                    regionRows.add(words);
                    regionLines.add(lineNo);
                }
                case ":GROUPS." -> {
                    String name = words[0];
                    members.computeIfAbsent(name, n -> new ArrayList<>());
                    rotating.putIfAbsent(name, false);
                    if (words.length >= 2 && words[1].startsWith("(")) {
                        String option = String.join(" ", java.util.Arrays.copyOfRange(words, 1, words.length));
                        if (option.matches("\\(\\s*ALLOCATE\\s+ROTATING\\s*\\)")) {
                            rotating.put(name, true);
                        } else if (option.matches("\\(\\s*ALLOCATE\\s+LINEAR\\s*\\)")) {
                            rotating.put(name, false);
                        } else {
                            throw new ExtentControlException(source, lineNo, "group option '" + option
                                    + "' is not (ALLOCATE LINEAR) or (ALLOCATE ROTATING)");
                        }
                    } else {
                        members.get(name).addAll(List.of(words).subList(1, words.length));
                    }
                }
                case ":DEFAULTS." -> {
                    if (words.length < 2 || DeviceType.byName(words[0]).isEmpty()) {
                        throw new ExtentControlException(source, lineNo, "a default is 'Dev-Type Size' for a 3390 or FB-512 type, got '" + line + "'");
                    }
                    sizes.put(words[0], number(words[1], "size", source, lineNo));
                }
                default -> {
                    // other DirMaint sections (:EXCLUDE., :AUTOBLOCK., :SSI_VOLUMES.) are not used here
                }
            }
        }
        List<Region> regions = new ArrayList<>();
        for (int r = 0; r < regionRows.size(); r++) {
            String[] w = regionRows.get(r);
            int lineNo = regionLines.get(r);
            try {
                Volume volume = volume(w[1], w[4], sizes).orElseThrow(() -> new ExtentControlException(source, lineNo,
                        "device type " + w[4] + " has no known size: use a 3390 model such as 3390-09, or give its size in :DEFAULTS."));
                long start = w[2].equals("START") ? volume.firstAllocatableUnit() : number(w[2], "RegStart", source, lineNo);
                start = Math.max(start, volume.firstAllocatableUnit());
                long end = w[3].equals("END") ? volume.size() : number(w[3], "RegEnd", source, lineNo) + 1;
                regions.add(new Region(w[0], volume, start, end, w[4]));
            } catch (IllegalArgumentException e) {
                throw new ExtentControlException(source, lineNo, e.getMessage());
            }
        }
        List<Group> groupList = new ArrayList<>();
        for (var entry : members.entrySet()) {
            groupList.add(new Group(entry.getKey(), rotating.get(entry.getKey()), entry.getValue()));
        }
        try {
            return new ExtentControl(regions, toMap(groupList), sizes);
        } catch (IllegalArgumentException e) {
            throw new ExtentControlException(source, 0, e.getMessage());
        }
    }

    private static Optional<Volume> volume(String volser, String typeLabel, Map<String, Long> sizes) {
        Optional<DeviceType> type = DeviceType.byName(typeLabel);
        if (type.isEmpty()) {
            throw new IllegalArgumentException("device type " + typeLabel + " is neither 3390 nor FB-512");
        }
        Long size = sizes.get(typeLabel);
        if (size == null && type.get() == DeviceType.DASD_3390) {
            size = Model3390.byName(typeLabel).map(Model3390::cylinders).orElse(null);
        }
        return size == null ? Optional.empty() : Optional.of(new Volume(Volser.of(volser), type.get(), size));
    }

    private static long number(String word, String what, String source, int line) {
        try {
            return Long.parseLong(word);
        } catch (NumberFormatException e) {
            throw new ExtentControlException(source, line, what + " '" + word + "' is not a number");
        }
    }

    private static Map<String, Group> toMap(List<Group> groups) {
        Map<String, Group> map = new LinkedHashMap<>();
        for (Group group : groups) {
            map.put(group.name(), group);
        }
        return map;
    }

    /**
     * This control plus a whole-volume region named after the volume, added to {@code group} (created
     * LINEAR if new; {@code null} adds the region to no group).
     */
    public ExtentControl withVolume(Volume volume, String group) {
        String label = typeLabel(volume);
        Map<String, Long> sizes = new LinkedHashMap<>(deviceSizes);
        if (DeviceType.byName(label).orElseThrow() != DeviceType.DASD_3390 || Model3390.byName(label).isEmpty()) {
            sizes.put(label, volume.size());
        }
        List<Region> newRegions = new ArrayList<>(regions);
        newRegions.add(new Region(volume.volser().value(), volume, volume.firstAllocatableUnit(), volume.size(), label));
        Map<String, Group> newGroups = new LinkedHashMap<>(groups);
        if (group != null) {
            Group old = newGroups.get(group);
            List<String> ids = new ArrayList<>(old == null ? List.of() : old.regionIds());
            ids.add(volume.volser().value());
            newGroups.put(group, new Group(group, old != null && old.rotating(), ids));
        }
        return new ExtentControl(newRegions, newGroups, sizes);
    }

    /** This control with {@code group} set to rotate (or scan linearly). */
    public ExtentControl withRotation(String group, boolean rotating) {
        Group old = groups.get(group);
        if (old == null) {
            throw new IllegalArgumentException("no group " + group);
        }
        Map<String, Group> newGroups = new LinkedHashMap<>(groups);
        newGroups.put(group, new Group(group, rotating, old.regionIds()));
        return new ExtentControl(regions, newGroups, deviceSizes);
    }

    /** The EXTENT CONTROL device type label of a volume: its 3390 model, else {@code 3390-S<size>} or {@code FB-512-S<size>}. */
    static String typeLabel(Volume volume) {
        if (volume.deviceType() == DeviceType.DASD_3390) {
            Optional<Model3390> model = Model3390.ofCylinders(volume.size());
            if (model.isPresent()) {
                return model.get().label();
            }
        }
        return volume.deviceType().directoryName() + "-S" + volume.size();
    }

    /** Regions in file order. */
    public List<Region> regions() {
        return regions;
    }

    /** The region {@code id}. */
    public Optional<Region> region(String id) {
        return Optional.ofNullable(regionsById.get(id));
    }

    /** Groups by name, in file order. */
    public Map<String, Group> groups() {
        return groups;
    }

    /** Every volume some region is on, with its size. */
    public Map<Volser, Volume> volumes() {
        return volumes;
    }

    /** The canonical EXTENT CONTROL text of this control. */
    public String print() {
        StringBuilder out = new StringBuilder();
        out.append("* EXTENT CONTROL: where minidisks may be allocated (DirMaint format)\n");
        out.append(":REGIONS.\n");
        out.append(String.format(Locale.ROOT, "%-9s %-8s %-10s %-10s %s%n", "*RegionId", "VolSer", "RegStart", "RegEnd", "Dev-Type"));
        for (Region region : regions) {
            String end = region.end() == region.volume().size() ? "END" : Long.toString(region.end() - 1);
            out.append(String.format(Locale.ROOT, "%-9s %-8s %-10d %-10s %s%n", region.id(), region.volser(), region.start(), end,
                    region.deviceTypeLabel()));
        }
        out.append(":END.\n:GROUPS.\n*GroupName RegionList\n");
        for (Group group : groups.values()) {
            out.append(String.format(Locale.ROOT, "%-9s (ALLOCATE %s)%n", group.name(), group.rotating() ? "ROTATING" : "LINEAR"));
            StringBuilder line = new StringBuilder();
            for (String id : group.regionIds()) {
                if (line.length() > 0 && 10 + line.length() + 1 + id.length() > 72) {
                    out.append(String.format(Locale.ROOT, "%-9s %s%n", group.name(), line));
                    line.setLength(0);
                }
                line.append(line.length() > 0 ? " " : "").append(id);
            }
            if (line.length() > 0) {
                out.append(String.format(Locale.ROOT, "%-9s %s%n", group.name(), line));
            }
        }
        out.append(":END.\n:DEFAULTS.\n*Dev-Type Size\n");
        for (var size : deviceSizes.entrySet()) {
            out.append(String.format(Locale.ROOT, "%-9s %d%n", size.getKey(), size.getValue()));
        }
        out.append(":END.\n");
        return out.toString();
    }

    /** Writes {@link #print()} to {@code file} atomically and durably. */
    public void write(Path file) throws IOException {
        DurableFiles.replace(file, print().getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ExtentControl other && regions.equals(other.regions) && groups.equals(other.groups);
    }

    @Override
    public int hashCode() {
        return regions.hashCode() * 31 + groups.hashCode();
    }
}
