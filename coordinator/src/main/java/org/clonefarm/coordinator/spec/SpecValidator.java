package org.clonefarm.coordinator.spec;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.platform.ids.BatchName;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.proto.DiskRole;

/**
 * Checks the meaning of a {@link CloneSpec} and expands its clones: every problem is reported at
 * once with its place, line and value; a spec with none yields the list of {@link PlannedClone}s.
 *
 * <p>Checked: batch name; userid syntax of master, prototype and every clone (also inside ranges);
 * ranges; duplicate userids, hostnames and addresses (also against the directory); a clone that is
 * the master; addresses that are malformed, outside the gateway's subnet, or equal to its gateway,
 * network or broadcast address; disk rules against the master's minidisks and the profile; V-DISK
 * sizes; and, with a {@link SystemView} that knows the system, that the master, prototype and
 * allocation group exist and the group has the space. Stateless and thread-safe.
 */
public final class SpecValidator {
    private static final Pattern RANGE = Pattern.compile("([A-Z0-9@#$]*?)(\\d+)-([A-Z0-9@#$]*?)(\\d+)");
    private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
    /** The largest V-DISK CP allows, in 512-byte blocks. */
    public static final long VDISK_MAX_BLOCKS = 4_194_296L;
    /** Clones in one batch at most. */
    public static final int MAX_CLONES = 10_000;

    /** The outcome: the problems, and the clones when there are none. */
    public record Validation(CloneSpec spec, List<SpecProblem> problems, List<PlannedClone> clones) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final SystemView system;

    public SpecValidator(SystemView system) {
        this.system = Objects.requireNonNull(system, "system");
    }

    /** Parses and validates YAML text; all problems of form and meaning together. */
    public Validation validate(String yamlText) {
        SpecParser.Result parsed = new SpecParser().parse(yamlText);
        if (parsed.spec() == null) {
            return new Validation(null, parsed.problems(), List.of());
        }
        Validation meaning = validate(parsed.spec(), parsed.lines());
        List<SpecProblem> all = new ArrayList<>(parsed.problems());
        all.addAll(meaning.problems());
        return new Validation(parsed.spec(), all, all.isEmpty() ? meaning.clones() : List.of());
    }

    public Validation validate(CloneSpec spec, Map<String, Integer> lines) {
        Problems problems = new Problems(lines);
        if (spec.batch() != null && !BatchName.isValid(spec.batch())) {
            problems.add("batch", spec.batch(), "is not a batch name: " + BatchName.DESCRIPTION);
        }
        boolean masterKnown = checkEntry(problems, "master", spec.master(), "master");
        checkEntry(problems, "prototype", spec.prototype(), "prototype");
        if (spec.volumes() != null && system.knowsDirectory() && !system.groupExists(spec.volumes())) {
            problems.add("volumes", spec.volumes(), "is not an allocation group of this system");
        }
        checkDisks(problems, spec, masterKnown);
        int prefix = checkNetwork(problems, spec.network());
        List<PlannedClone> clones = expand(problems, spec, prefix);
        if (problems.isEmpty() && system.knowsDirectory() && spec.volumes() != null) {
            List<String> copied = new ArrayList<>();
            for (DiskRule rule : spec.disks()) {
                if (rule.action() == DiskAction.DISK_ACTION_COPY) {
                    copied.add(rule.vaddr());
                }
            }
            String shortfall = system.shortfall(spec.volumes(), copied, spec.master(), clones.size());
            if (shortfall != null) {
                problems.add("volumes", spec.volumes(), shortfall);
            }
        }
        return new Validation(spec, problems.list, problems.isEmpty() ? clones : List.of());
    }

    private boolean checkEntry(Problems problems, String place, String name, String what) {
        if (name == null) {
            return false;
        }
        if (!Userid.isValid(name)) {
            problems.add(place, name, "is not a userid: 1-8 characters of A-Z 0-9 @ # $");
            return false;
        }
        if (system.knowsDirectory() && !system.entryExists(name)) {
            problems.add(place, name, "is not in the CP directory (no " + what + " of that name)");
            return false;
        }
        return system.knowsDirectory();
    }

    private void checkDisks(Problems problems, CloneSpec spec, boolean masterKnown) {
        Optional<Set<String>> masterDisks = masterKnown ? system.minidisksOf(spec.master()) : Optional.empty();
        Map<DiskRole, DiskRule> byRole = new HashMap<>();
        boolean anyCopy = false;
        for (DiskRule rule : spec.disks()) {
            String place = "disks." + rule.vaddr();
            if (!problems.lines.containsKey(place)) {
                place = placeOfVaddr(problems, rule.vaddr());
            }
            if (rule.action() == DiskAction.DISK_ACTION_VDISK) {
                if (rule.vdiskBlocks() < 1 || rule.vdiskBlocks() > VDISK_MAX_BLOCKS) {
                    problems.add(place, Long.toString(rule.vdiskBlocks()),
                            "is not a V-DISK size: 1 to " + VDISK_MAX_BLOCKS + " blocks of 512 bytes");
                }
            } else {
                anyCopy |= rule.action() == DiskAction.DISK_ACTION_COPY;
                if (masterDisks.isPresent() && !masterDisks.get().contains(rule.vaddr())) {
                    problems.add(place, rule.vaddr(), "is not a minidisk of " + spec.master() + " (it has "
                            + new java.util.TreeSet<>(masterDisks.get()) + ")");
                }
            }
            DiskRule previous = byRole.put(rule.role(), rule);
            if (previous != null && rule.role() != DiskRole.DISK_ROLE_OTHER) {
                problems.add(place, rule.vaddr(), "has role " + DiskRule.roleSpecName(rule.role()) + " like "
                        + previous.vaddr() + ": a role may be given to one disk only");
            }
        }
        if (spec.disks().isEmpty()) {
            if (problems.lines.containsKey("disks")) { // given but empty; a missing one is the parser's problem
                problems.add("disks", null, "is empty: map each of the master's disks to copy, link or vdisk BLOCKS"
                        + " (a clone needs at least its own root or /var)");
            }
            return;
        }
        if (!anyCopy) {
            problems.add("disks", null, "copy no disk: a clone needs at least its own /var (copy)");
        }
        if (spec.profile() == null) {
            return;
        }
        DiskRule root = byRole.get(DiskRole.DISK_ROLE_ROOT);
        DiskRule var = byRole.get(DiskRole.DISK_ROLE_VAR);
        DiskRule config = byRole.get(DiskRole.DISK_ROLE_CONFIG);
        String profile = spec.profile().specName();
        if (root == null) {
            problems.add("disks", null, "has no root disk (" + Role.ROOT.vaddr() + ", or 'as root'): profile " + profile + " needs one");
        } else if (spec.profile() == CloneProfile.RW_ROOT && root.action() != DiskAction.DISK_ACTION_COPY) {
            problems.add(placeOfVaddr(problems, root.vaddr()), root.specText(),
                    "does not fit profile rw-root: the clone owns its root, so the root disk must be copy");
        } else if (spec.profile() == CloneProfile.RO_ROOT && root.action() != DiskAction.DISK_ACTION_LINK) {
            problems.add(placeOfVaddr(problems, root.vaddr()), root.specText(),
                    "does not fit profile ro-root: the root is linked read-only, so the root disk must be link");
        }
        if (var != null && var.action() != DiskAction.DISK_ACTION_COPY) {
            problems.add(placeOfVaddr(problems, var.vaddr()), var.specText(),
                    "does not fit profile " + profile + ": every clone owns its /var, so it must be copy");
        } else if (var == null) {
            problems.add("disks", null, "has no var disk (" + Role.VAR.vaddr() + ", or 'as var'): profile " + profile
                    + " needs one the clone owns (copy)");
        }
        if (config != null && config.action() != DiskAction.DISK_ACTION_LINK) {
            problems.add(placeOfVaddr(problems, config.vaddr()), config.specText(),
                    "must be link: the clones read their NAMES entry from the master's 191 disk");
        }
    }

    private static String placeOfVaddr(Problems problems, String vaddr) {
        for (String place : problems.lines.keySet()) {
            if (place.startsWith("disks.") && place.substring(6).equalsIgnoreCase(vaddr.replaceFirst("^0+(?=.)", ""))) {
                return place;
            }
        }
        return "disks." + vaddr;
    }

    private int checkNetwork(Problems problems, NetworkSpec network) {
        if (network == null) {
            return -1;
        }
        IpAddress gateway = null;
        if (network.gateway() != null) {
            gateway = IpAddress.parse(network.gateway());
            if (gateway == null) {
                problems.add("network.gateway", network.gateway(), "is not an IP address");
            }
        }
        int prefix = -1;
        if (network.netmask() != null) {
            prefix = IpAddress.prefixOfNetmask(network.netmask());
            if (prefix < 0) {
                problems.add("network.netmask", network.netmask(),
                        "is not a netmask: four octets with contiguous one bits, such as 255.255.255.0");
            } else if (prefix == 0) {
                problems.add("network.netmask", network.netmask(), "puts every address in the clones' subnet: give"
                        + " the subnet's netmask, such as 255.255.255.0");
                prefix = -1;
            } else if (gateway != null && gateway.bits() != 32) {
                problems.add("network.netmask", network.netmask(), "is an IPv4 netmask but the gateway is IPv6: use prefix");
                prefix = -1;
            }
        } else if (network.prefix() >= 0) {
            int max = gateway != null && gateway.bits() == 32 ? 32 : 128;
            if (network.prefix() > max) {
                problems.add("network.prefix", Integer.toString(network.prefix()), "is longer than " + max + " bits");
            } else if (network.prefix() == 0) {
                problems.add("network.prefix", "0", "puts every address in the clones' subnet: give the subnet's"
                        + " prefix length, 1 to " + max);
            } else {
                prefix = network.prefix();
            }
        }
        if (prefix >= 0 && gateway != null) {
            if (gateway.equals(gateway.network(prefix)) && prefix < gateway.bits() - 1) {
                problems.add("network.gateway", network.gateway(), "is the network address of its own subnet");
            } else if (gateway.bits() == 32 && gateway.equals(gateway.broadcast(prefix)) && prefix < 31) {
                problems.add("network.gateway", network.gateway(), "is the broadcast address of its own subnet");
            }
        }
        for (int i = 0; i < network.nameservers().size(); i++) {
            if (IpAddress.parse(network.nameservers().get(i)) == null) {
                problems.add("network.nameservers[" + i + "]", network.nameservers().get(i), "is not an IP address",
                        "network.nameservers");
            }
        }
        if (network.domain() != null && !isDnsName(network.domain().toLowerCase(Locale.ROOT))) {
            problems.add("network.domain", network.domain(), "is not a DNS domain name");
        }
        return gateway == null ? -1 : prefix;
    }

    private List<PlannedClone> expand(Problems problems, CloneSpec spec, int prefix) {
        List<PlannedClone> clones = new ArrayList<>();
        Map<String, String> userids = new HashMap<>();
        Map<String, String> hostnames = new HashMap<>();
        Map<IpAddress, String> addresses = new HashMap<>();
        IpAddress gateway = spec.network() == null ? null : IpAddress.parse(spec.network().gateway());
        String domain = spec.network() == null ? null : spec.network().domain();
        // Count before expanding: 100 ranges of 10,000 would otherwise make a million clones to refuse.
        List<Range> ranges = new ArrayList<>();
        long total = 0;
        for (int i = 0; i < spec.clones().size(); i++) {
            CloneEntrySpec entry = spec.clones().get(i);
            Range range = entry.range() == null ? null : Range.parse(problems, "clones[" + i + "].range", entry.range());
            ranges.add(range);
            total += range != null ? range.size() : entry.userid() != null ? 1 : 0;
        }
        if (total > MAX_CLONES) {
            problems.add("clones", null, String.format("hold %,d clones in all, more than the %,d of one batch: split"
                    + " them into several batches", total, MAX_CLONES));
            return clones;
        }
        for (int i = 0; i < spec.clones().size(); i++) {
            CloneEntrySpec entry = spec.clones().get(i);
            String place = "clones[" + i + "]";
            List<String> ids = new ArrayList<>();
            if (ranges.get(i) != null) {
                ids = ranges.get(i).expand(problems, place + ".range");
            } else if (entry.userid() != null) {
                if (!Userid.isValid(entry.userid())) {
                    problems.add(place + ".userid", entry.userid(), "is not a userid: 1-8 characters of A-Z 0-9 @ # $");
                } else {
                    ids.add(entry.userid());
                }
            }
            IpAddress first = null;
            if (entry.ip() != null) {
                first = IpAddress.parse(entry.ip());
                if (first == null) {
                    problems.add(place + ".ip", entry.ip(), "is not an IP address");
                }
            }
            int problemsBefore = problems.list.size();
            for (int n = 0; n < ids.size(); n++) {
                String userid = ids.get(n);
                String where = ids.size() > 1 ? place + " (" + userid + ")" : place;
                String idPlace = entry.range() != null ? place + ".range" : place + ".userid";
                if (userid.equals(spec.master())) {
                    problems.add(idPlace, userid, "is the master: a clone cannot overwrite its master");
                }
                if (userid.equals(spec.prototype())) {
                    problems.add(idPlace, userid, "is the prototype entry");
                }
                String earlier = userids.putIfAbsent(userid, where);
                if (earlier != null) {
                    problems.add(idPlace, userid, "is given twice (also " + earlier + ")");
                } else if (system.knowsDirectory() && system.entryExists(userid)) {
                    problems.add(idPlace, userid, "is already in the CP directory");
                }
                String hostname = entry.hostname() != null ? entry.hostname().toLowerCase(Locale.ROOT)
                        : userid.toLowerCase(Locale.ROOT) + (domain == null ? "" : "." + domain.toLowerCase(Locale.ROOT));
                if (!isDnsName(hostname)) {
                    problems.add(entry.hostname() != null ? place + ".hostname" : idPlace, hostname,
                            "is not a valid host name (labels of a-z 0-9 -, at most 63 each)");
                }
                String earlierHost = hostnames.putIfAbsent(hostname, where);
                if (earlierHost != null) {
                    problems.add(entry.hostname() != null ? place + ".hostname" : idPlace, hostname,
                            "is given twice as a host name (also " + earlierHost + ")");
                }
                String ipText = null;
                if (first != null) {
                    IpAddress ip;
                    try {
                        ip = first.plus(n);
                    } catch (ArithmeticException e) {
                        problems.add(place + ".ip", entry.ip(), "runs out of addresses for " + ids.size() + " clones");
                        break;
                    }
                    ipText = ip.toString();
                    checkAddress(problems, place + ".ip", ip, userid, gateway, prefix);
                    String earlierIp = addresses.putIfAbsent(ip, where);
                    if (earlierIp != null) {
                        problems.add(place + ".ip", ipText, "is given twice (" + userid + " and " + earlierIp + ")");
                    }
                }
                clones.add(new PlannedClone(userid, hostname, ipText, where));
            }
            problems.collapseRepeats(problemsBefore);
        }
        if (spec.clones().isEmpty() && problems.lines.containsKey("clones")) {
            problems.add("clones", null, "is empty: list at least one clone");
        }
        return clones;
    }

    private static void checkAddress(Problems problems, String place, IpAddress ip, String userid, IpAddress gateway,
            int prefix) {
        String text = ip.toString() + " (" + userid + ")";
        if (gateway == null) {
            return;
        }
        if (ip.bits() != gateway.bits()) {
            problems.add(place, text, "is not of the gateway's IP version");
            return;
        }
        if (ip.equals(gateway)) {
            problems.add(place, text, "is the gateway's address");
            return;
        }
        if (prefix < 0) {
            return;
        }
        if (!ip.sameSubnet(gateway, prefix)) {
            problems.add(place, text, "is outside the subnet " + gateway.network(prefix) + "/" + prefix + " of the gateway");
        } else if (prefix < ip.bits() - 1 && ip.equals(ip.network(prefix))) {
            problems.add(place, text, "is the network address of the subnet");
        } else if (ip.bits() == 32 && prefix < 31 && ip.equals(ip.broadcast(prefix))) {
            problems.add(place, text, "is the broadcast address of the subnet");
        }
    }

    /** A range as written: userids PREFIX + a number from first to last, zero-padded to width. */
    private record Range(String range, String prefix, long first, long last, int width) {

        /** The range parsed and checked, except its userids; null with a problem added when it is not one. */
        static Range parse(Problems problems, String place, String range) {
            Matcher m = RANGE.matcher(range.toUpperCase(Locale.ROOT).replace(" ", ""));
            if (!m.matches()) {
                problems.add(place, range, "is not a range: FIRST-LAST with the same prefix and a number, such as LINUX001-LINUX300");
                return null;
            }
            String prefix = m.group(1);
            if (!prefix.equals(m.group(3))) {
                problems.add(place, range, "has two prefixes (" + prefix + ", " + m.group(3) + "): FIRST and LAST must share one");
                return null;
            }
            if (m.group(2).length() > 8 || m.group(4).length() > 8) {
                problems.add(place, range, "has numbers too long for a userid");
                return null;
            }
            long first = Long.parseLong(m.group(2));
            long last = Long.parseLong(m.group(4));
            if (first > last) {
                problems.add(place, range, "counts down: the first number must not exceed the last");
                return null;
            }
            if (last - first + 1 > MAX_CLONES) {
                problems.add(place, range, "holds " + (last - first + 1) + " clones, more than " + MAX_CLONES);
                return null;
            }
            return new Range(range, prefix, first, last, m.group(2).length());
        }

        long size() {
            return last - first + 1;
        }

        /** The userids, or none with a problem when one is not a userid. */
        List<String> expand(Problems problems, String place) {
            List<String> ids = new ArrayList<>();
            for (long n = first; n <= last; n++) {
                String userid = prefix + String.format("%0" + width + "d", n);
                if (!Userid.isValid(userid)) {
                    problems.add(place, range, "makes " + userid + ", which is not a userid (more than 8 characters)");
                    return List.of();
                }
                ids.add(userid);
            }
            return ids;
        }
    }

    static boolean isDnsName(String name) {
        if (name.isEmpty() || name.length() > 253) {
            return false;
        }
        for (String label : name.split("\\.", -1)) {
            if (!DNS_LABEL.matcher(label).matches()) {
                return false;
            }
        }
        return true;
    }

    /** The problems found so far, with lines looked up by place. */
    private static final class Problems {
        final Map<String, Integer> lines;
        final List<SpecProblem> list = new ArrayList<>();

        Problems(Map<String, Integer> lines) {
            this.lines = lines == null ? Map.of() : lines;
        }

        void add(String place, String value, String message) {
            add(place, value, message, place);
        }

        void add(String place, String value, String message, String linePlace) {
            int line = lines.getOrDefault(place, lines.getOrDefault(linePlace, 0));
            if (line == 0) {
                String base = place.replaceAll(" \\(.*\\)$", "");
                line = lines.getOrDefault(base, 0);
            }
            list.add(new SpecProblem(place, line, value, message));
        }

        boolean isEmpty() {
            return list.isEmpty();
        }

        /**
         * A range that runs out of its subnet would report every clone past the end: keep the first
         * problem of each place and message, and say how many more there are.
         */
        void collapseRepeats(int from) {
            List<SpecProblem> kept = new ArrayList<>(list.subList(0, from));
            Map<String, Integer> firstIndex = new HashMap<>();
            Map<String, Integer> repeats = new HashMap<>();
            for (SpecProblem problem : list.subList(from, list.size())) {
                String key = problem.place() + "|" + problem.message();
                if (firstIndex.containsKey(key)) {
                    repeats.merge(key, 1, Integer::sum);
                } else {
                    firstIndex.put(key, kept.size());
                    kept.add(problem);
                }
            }
            for (Map.Entry<String, Integer> repeat : repeats.entrySet()) {
                int index = firstIndex.get(repeat.getKey());
                SpecProblem first = kept.get(index);
                kept.set(index, new SpecProblem(first.place(), first.line(), first.value(),
                        first.message() + " (and " + repeat.getValue() + " more clones of this entry)"));
            }
            list.clear();
            list.addAll(kept);
        }
    }
}
