package org.clonefarm.coordinator.spec;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.proto.DiskRole;

/**
 * Reads a clone spec from YAML into a {@link CloneSpec}, collecting every problem of form (unknown
 * keys, wrong types, missing fields, unreadable disk rules) with its place and line, instead of
 * stopping at the first. Checks of meaning (userids, addresses, space) are {@link SpecValidator}'s.
 * Stateless and thread-safe.
 */
public final class SpecParser {
    private static final Set<String> TOP_KEYS =
            Set.of("batch", "master", "profile", "prototype", "volumes", "disks", "network", "clones");
    private static final Set<String> NETWORK_KEYS =
            Set.of("netmask", "prefix", "gateway", "nameservers", "domain", "interface");
    private static final Set<String> CLONE_KEYS = Set.of("range", "userid", "hostname", "ip");
    private static final Pattern DISK_RULE =
            Pattern.compile("(?i)\\s*(copy|link|vdisk)(?:\\s+(\\d+))?(?:\\s+as\\s+([a-z]+))?\\s*");
    private static final Pattern VADDR = Pattern.compile("[0-9A-Fa-f]{1,4}");

    private final YAMLFactory yaml = new YAMLFactory();
    private final ObjectMapper mapper = new ObjectMapper(yaml).enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    /** The result: a spec (possibly partial) and the problems found reading it. */
    public record Result(CloneSpec spec, List<SpecProblem> problems, Map<String, Integer> lines) {
        /** The line of a place such as {@code clones[0].range}, 0 when unknown. */
        public int lineOf(String place) {
            return lines.getOrDefault(place, 0);
        }
    }

    public Result parse(String yamlText) {
        List<SpecProblem> problems = new ArrayList<>();
        Map<String, Integer> lines = new HashMap<>();
        JsonNode root;
        try {
            lines.putAll(locate(yamlText));
            root = mapper.readTree(yamlText);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            problems.add(new SpecProblem("(YAML)", line, null, "is not valid YAML: " + e.getOriginalMessage()));
            return new Result(null, problems, lines);
        } catch (IOException e) {
            problems.add(new SpecProblem("(YAML)", 0, null, "cannot be read: " + e.getMessage()));
            return new Result(null, problems, lines);
        }
        if (root == null || !root.isObject()) {
            problems.add(new SpecProblem("(top)", 1, null, "must be a mapping with batch, master, profile, disks, network, clones"));
            return new Result(null, problems, lines);
        }
        Reader reader = new Reader(problems, lines);
        reader.unknownKeys(root, "", TOP_KEYS);
        String batch = reader.text(root, "batch", true);
        String master = reader.text(root, "master", true);
        String profileText = reader.text(root, "profile", true);
        CloneProfile profile = null;
        if (profileText != null) {
            profile = CloneProfile.fromSpecName(profileText);
            if (profile == null) {
                reader.problem("profile", profileText, "is not a profile: use rw-root or ro-root");
            }
        }
        String prototype = reader.text(root, "prototype", true);
        String volumes = reader.text(root, "volumes", true);
        List<DiskRule> disks = disks(root.get("disks"), reader);
        NetworkSpec network = network(root.get("network"), reader);
        List<CloneEntrySpec> clones = clones(root.get("clones"), reader);
        return new Result(new CloneSpec(batch, master, profile, prototype, volumes, disks, network, clones), problems,
                lines);
    }

    private static List<DiskRule> disks(JsonNode node, Reader reader) {
        List<DiskRule> rules = new ArrayList<>();
        if (node == null || node.isNull()) {
            reader.problem("disks", null, "is missing: map each of the master's disks to copy, link or vdisk BLOCKS");
            return rules;
        }
        if (!node.isObject()) {
            reader.problem("disks", node.toString(), "must be a mapping of vaddr to copy, link or vdisk BLOCKS");
            return rules;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> entry = it.next();
            String place = "disks." + entry.getKey();
            if (!VADDR.matcher(entry.getKey()).matches()) {
                reader.problem(place, entry.getKey(), "is not a device address: use 1-4 hex digits, such as 0200");
                continue;
            }
            String vaddr = String.format("%4s", entry.getKey().toUpperCase(Locale.ROOT)).replace(' ', '0');
            String text = entry.getValue().isValueNode() ? entry.getValue().asText() : entry.getValue().toString();
            Matcher m = DISK_RULE.matcher(text);
            if (!m.matches()) {
                reader.problem(place, text, "is not a disk rule: use copy, link or vdisk BLOCKS (optionally 'as ROLE')");
                continue;
            }
            DiskAction action = switch (m.group(1).toLowerCase(Locale.ROOT)) {
                case "copy" -> DiskAction.DISK_ACTION_COPY;
                case "link" -> DiskAction.DISK_ACTION_LINK;
                default -> DiskAction.DISK_ACTION_VDISK;
            };
            long blocks = 0;
            if (action == DiskAction.DISK_ACTION_VDISK) {
                if (m.group(2) == null) {
                    reader.problem(place, text, "needs its size: vdisk BLOCKS (512-byte blocks, at most 4194296)");
                    continue;
                }
                try {
                    blocks = Long.parseLong(m.group(2));
                } catch (NumberFormatException e) {
                    blocks = Long.MAX_VALUE;
                }
            } else if (m.group(2) != null) {
                reader.problem(place, text, "takes no size: only vdisk has one");
                continue;
            }
            DiskRole role = DiskRule.conventionalRole(vaddr);
            if (m.group(3) != null) {
                role = DiskRule.roleFromSpecName(m.group(3));
                if (role == null || role == DiskRole.DISK_ROLE_UNSPECIFIED) {
                    reader.problem(place, m.group(3), "is not a disk role: use config, root, swap, var, usr, opt or other");
                    continue;
                }
            }
            rules.add(new DiskRule(vaddr, action, blocks, role));
        }
        return rules;
    }

    private static NetworkSpec network(JsonNode node, Reader reader) {
        if (node == null || node.isNull()) {
            reader.problem("network", null, "is missing: give netmask (or prefix), gateway, nameservers and domain");
            return null;
        }
        if (!node.isObject()) {
            reader.problem("network", node.toString(), "must be a mapping");
            return null;
        }
        reader.unknownKeys(node, "network.", NETWORK_KEYS);
        String netmask = reader.text(node, "netmask", "network.netmask", false);
        int prefix = -1;
        JsonNode prefixNode = node.get("prefix");
        if (prefixNode != null && !prefixNode.isNull()) {
            if (prefixNode.canConvertToInt() && prefixNode.isIntegralNumber()) {
                prefix = prefixNode.asInt();
            } else {
                reader.problem("network.prefix", prefixNode.asText(), "is not a prefix length (0-128)");
            }
        }
        if (netmask == null && prefixNode == null) {
            reader.problem("network.netmask", null, "is missing: give netmask (IPv4) or prefix (length)");
        } else if (netmask != null && prefixNode != null) {
            reader.problem("network.prefix", prefixNode.asText(), "and netmask both given: give one");
        }
        String gateway = reader.text(node, "gateway", "network.gateway", true);
        List<String> nameservers = new ArrayList<>();
        JsonNode servers = node.get("nameservers");
        if (servers != null && !servers.isNull()) {
            if (servers.isArray()) {
                servers.forEach(s -> nameservers.add(s.asText()));
            } else if (servers.isValueNode()) {
                for (String s : servers.asText().trim().split("[\\s,]+")) {
                    if (!s.isEmpty()) {
                        nameservers.add(s);
                    }
                }
            } else {
                reader.problem("network.nameservers", servers.toString(), "must be a list of addresses");
            }
        }
        String domain = reader.text(node, "domain", "network.domain", false);
        String iface = reader.text(node, "interface", "network.interface", false);
        return new NetworkSpec(netmask, prefix, gateway, nameservers, domain, iface);
    }

    private static List<CloneEntrySpec> clones(JsonNode node, Reader reader) {
        List<CloneEntrySpec> entries = new ArrayList<>();
        if (node == null || node.isNull()) {
            reader.problem("clones", null, "is missing: list ranges (range: FIRST-LAST, ip: FIRST-IP) or clones");
            return entries;
        }
        if (!node.isArray()) {
            reader.problem("clones", node.toString(), "must be a list");
            return entries;
        }
        for (int i = 0; i < node.size(); i++) {
            JsonNode item = node.get(i);
            String place = "clones[" + i + "]";
            if (!item.isObject()) {
                reader.problem(place, item.asText(), "must be a mapping with range and ip, or userid, hostname and ip");
                entries.add(new CloneEntrySpec(null, null, null, null));
                continue;
            }
            reader.unknownKeys(item, place + ".", CLONE_KEYS);
            String range = reader.text(item, "range", place + ".range", false);
            String userid = reader.text(item, "userid", place + ".userid", false);
            String hostname = reader.text(item, "hostname", place + ".hostname", false);
            String ip = reader.text(item, "ip", place + ".ip", false);
            if (range == null && userid == null) {
                reader.problem(place, null, "has neither range nor userid");
            } else if (range != null && userid != null) {
                reader.problem(place, range, "has both range and userid: give one");
            } else if (range != null && hostname != null) {
                reader.problem(place + ".hostname", hostname, "cannot be given for a range: hostnames follow the userids");
            }
            if (ip == null) {
                reader.problem(place + ".ip", null, "is missing");
            }
            entries.add(new CloneEntrySpec(range, userid == null ? null : userid.toUpperCase(Locale.ROOT), hostname, ip));
        }
        return entries;
    }

    /** Lines of every value, by place ({@code clones[0].range}), from the token stream. */
    private Map<String, Integer> locate(String yamlText) throws IOException {
        Map<String, Integer> lines = new HashMap<>();
        try (JsonParser parser = yaml.createParser(yamlText)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME) {
                    continue;
                }
                String place = placeOf(parser.getParsingContext().pathAsPointer().toString());
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY || token.isScalarValue()) {
                    lines.putIfAbsent(place, parser.currentTokenLocation().getLineNr());
                }
            }
        }
        return lines;
    }

    /** {@code /clones/0/range} as {@code clones[0].range}. */
    static String placeOf(String pointer) {
        StringBuilder place = new StringBuilder();
        for (String part : pointer.split("/")) {
            if (part.isEmpty()) {
                continue;
            }
            if (part.chars().allMatch(Character::isDigit) && place.length() > 0 && !place.toString().equals("disks")) {
                place.append('[').append(part).append(']');
            } else {
                if (place.length() > 0) {
                    place.append('.');
                }
                place.append(part.replace("~1", "/").replace("~0", "~"));
            }
        }
        return place.toString();
    }

    /** Reads fields and records problems with their lines. */
    private static final class Reader {
        private final List<SpecProblem> problems;
        private final Map<String, Integer> lines;

        Reader(List<SpecProblem> problems, Map<String, Integer> lines) {
            this.problems = problems;
            this.lines = lines;
        }

        void problem(String place, String value, String message) {
            problems.add(new SpecProblem(place, lines.getOrDefault(place, 0), value, message));
        }

        String text(JsonNode node, String key, boolean required) {
            return text(node, key, key, required);
        }

        String text(JsonNode node, String key, String place, boolean required) {
            JsonNode value = node.get(key);
            if (value == null || value.isNull()) {
                if (required) {
                    problem(place, null, "is missing");
                }
                return null;
            }
            if (!value.isValueNode()) {
                problem(place, value.toString(), "must be a single value");
                return null;
            }
            String text = value.asText().trim();
            if (text.isEmpty()) {
                if (required) {
                    problem(place, "", "is empty");
                }
                return null;
            }
            return text;
        }

        void unknownKeys(JsonNode node, String prefix, Set<String> known) {
            for (Iterator<String> names = node.fieldNames(); names.hasNext();) {
                String name = names.next();
                if (!known.contains(name)) {
                    problem(prefix + name, name, "is not a known key; expected one of " + new java.util.TreeSet<>(known));
                }
            }
        }
    }
}
