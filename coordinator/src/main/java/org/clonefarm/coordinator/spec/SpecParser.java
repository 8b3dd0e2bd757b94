package org.clonefarm.coordinator.spec;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ContainerNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
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
import org.yaml.snakeyaml.LoaderOptions;

/**
 * Reads a clone spec from YAML into a {@link CloneSpec}, collecting every problem of form (unknown
 * keys, wrong types, missing fields, unreadable disk rules) with its place and line, instead of
 * stopping at the first. Checks of meaning (userids, addresses, space) are {@link SpecValidator}'s.
 *
 * <p>What it accepts, and why:
 * <ul>
 *   <li>At most {@link #MAX_SPEC_CHARS} characters, checked before any parsing: SnakeYAML's reader
 *       copies its window for every 1,024 characters of a token it has not finished, so one long
 *       token costs time quadratic in its length (a 5 MB string took 18 s). Under the limit the
 *       worst case is well under a second, and specs of many short tokens parse in linear time.</li>
 *   <li>One YAML document: a second one ({@code ---}) would otherwise be silently ignored.</li>
 *   <li>No tags other than the core {@code !!str}, {@code !!map} and {@code !!seq}, no aliases, and
 *       nesting at most {@link #MAX_DEPTH} deep: a spec has no use for them, and an unknown tag such
 *       as {@code !custom} or {@code !!java/object:...} taken as a plain string hides a mistake.</li>
 *   <li>Every scalar is taken as the string written: no YAML 1.1 resolution, so {@code batch: yes}
 *       is the batch "yes" (not "true"), {@code 1e999} stays "1e999" (not "Infinity") and a userid
 *       {@code 012} stays "012". The one number, {@code network.prefix}, must be written in decimal
 *       digits (YAML 1.2 core integer without sign).</li>
 * </ul>
 * Stateless and thread-safe.
 */
public final class SpecParser {
    /**
     * The longest spec read, in characters (UTF-16 units; an ASCII spec's bytes): 1 MiB. A range of
     * 10,000 clones is one line; 10,000 clones listed one by one take about 750 KB.
     */
    public static final int MAX_SPEC_CHARS = 1024 * 1024;
    /** How deep collections may nest: a spec needs 3 (clones, an entry, nameservers); more is an error. */
    public static final int MAX_DEPTH = 8;
    /** The YAML 1.2 core tags a spec may carry, as the parser reports them; each means what the spec reads anyway. */
    private static final Set<String> ALLOWED_TAGS =
            Set.of("tag:yaml.org,2002:str", "tag:yaml.org,2002:map", "tag:yaml.org,2002:seq");
    private static final String CORE_TAG_PREFIX = "tag:yaml.org,2002:";
    private static final Set<String> TOP_KEYS =
            Set.of("batch", "master", "profile", "prototype", "volumes", "disks", "network", "clones");
    private static final Set<String> NETWORK_KEYS =
            Set.of("netmask", "prefix", "gateway", "nameservers", "domain", "interface");
    private static final Set<String> CLONE_KEYS = Set.of("range", "userid", "hostname", "ip");
    private static final Pattern DISK_RULE =
            Pattern.compile("(?i)\\s*(copy|link|vdisk)(?:\\s+(\\d+))?(?:\\s+as\\s+([a-z]+))?\\s*");
    private static final Pattern VADDR = Pattern.compile("[0-9A-Fa-f]{1,4}");
    private static final Pattern PREFIX = Pattern.compile("[0-9]{1,3}");

    private final YAMLFactory yaml;

    public SpecParser() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_SPEC_CHARS + 1); // the check in parse() comes first; this one guards it
        options.setAllowDuplicateKeys(true); // reported by the reader below, with the line of the first
        yaml = YAMLFactory.builder().loaderOptions(options).build();
    }

    /** The result: a spec (possibly partial) and the problems found reading it. */
    public record Result(CloneSpec spec, List<SpecProblem> problems, Map<String, Integer> lines) {
        /** The line of a place such as {@code clones[0].range}, 0 when unknown. */
        public int lineOf(String place) {
            return lines.getOrDefault(place, 0);
        }
    }

    /**
     * Reads a spec. Never throws for bad input: a spec that cannot be read at all gives a null
     * {@link Result#spec()} and its problems; one that can gives the spec as far as it was readable.
     */
    public Result parse(String yamlText) {
        List<SpecProblem> problems = new ArrayList<>();
        Map<String, Integer> lines = new HashMap<>();
        if (yamlText.length() > MAX_SPEC_CHARS) {
            problems.add(new SpecProblem("(spec)", 0, null, String.format("is %,d characters, more than the limit of %,d;"
                    + " list clones as ranges, or split the batch", yamlText.length(), MAX_SPEC_CHARS)));
            return new Result(null, problems, lines);
        }
        JsonNode root;
        try {
            root = readTree(yamlText, lines, problems);
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            problems.add(new SpecProblem("(YAML)", line, null, "is not valid YAML: " + e.getOriginalMessage()));
            return new Result(null, problems, lines);
        } catch (IOException e) {
            problems.add(new SpecProblem("(YAML)", 0, null, "cannot be read: " + e.getMessage()));
            return new Result(null, problems, lines);
        }
        if (root == null && !problems.isEmpty()) {
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

    /**
     * The spec as a tree of objects, arrays, text and nulls, in one pass over the tokens: every
     * scalar as the text written (see the class comment), the line of every value by place, and a
     * problem for each tag, alias and repeated key. Null for an empty text, and with a problem for a
     * second document or nesting too deep (which end the reading).
     */
    private JsonNode readTree(String yamlText, Map<String, Integer> lines, List<SpecProblem> problems)
            throws IOException {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        Deque<ContainerNode<?>> open = new ArrayDeque<>();
        JsonNode root = null;
        String field = null;
        try (YAMLParser parser = (YAMLParser) yaml.createParser(yamlText)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                if (token == JsonToken.FIELD_NAME) {
                    field = parser.getText();
                    continue;
                }
                int line = parser.currentTokenLocation().getLineNr();
                if (token == JsonToken.END_OBJECT || token == JsonToken.END_ARRAY) {
                    open.pop();
                    continue;
                }
                if (root != null && open.isEmpty()) {
                    problems.add(new SpecProblem("(YAML)", line, null, "starts a second YAML document: a spec is one"
                            + " document; remove the '---' and what follows, or submit it as a spec of its own"));
                    return null;
                }
                String place = placeOf(parser.getParsingContext().pathAsPointer().toString());
                lines.putIfAbsent(place, line);
                String tag = parser.getTypeId();
                if (tag != null && !ALLOWED_TAGS.contains(tag)) {
                    String written = tag.startsWith(CORE_TAG_PREFIX) ? "!!" + tag.substring(CORE_TAG_PREFIX.length())
                            : "!" + tag;
                    problems.add(new SpecProblem(place.isEmpty() ? "(top)" : place, line, written, "is a YAML tag a spec"
                            + " does not use: remove it (values are read as the text written)"));
                }
                if (parser.isCurrentAlias()) {
                    problems.add(new SpecProblem(place, line, "*" + parser.getText(), "is a YAML alias, which a spec"
                            + " does not use: write the value itself"));
                }
                JsonNode node;
                if (token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY) {
                    if (open.size() >= MAX_DEPTH) {
                        problems.add(new SpecProblem(place, line, null, "nests deeper than " + MAX_DEPTH
                                + " levels; a spec nests 3 at most"));
                        return null;
                    }
                    node = token == JsonToken.START_OBJECT ? nodes.objectNode() : nodes.arrayNode();
                } else if (token == JsonToken.VALUE_NULL) {
                    node = nodes.nullNode();
                } else {
                    node = nodes.textNode(parser.getText());
                }
                ContainerNode<?> parent = open.peek();
                if (parent == null) {
                    root = node;
                } else if (parent instanceof ObjectNode object) {
                    if (object.has(field)) {
                        problems.add(new SpecProblem(place, line, null, "is given a second time (first on line "
                                + lines.getOrDefault(place, 0) + "): give each key once"));
                    } else {
                        object.set(field, node);
                    }
                } else {
                    ((ArrayNode) parent).add(node);
                }
                if (node instanceof ContainerNode<?> container) {
                    open.push(container);
                }
            }
        }
        return root;
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
            if (prefixNode.isValueNode() && PREFIX.matcher(prefixNode.asText()).matches()) {
                prefix = Integer.parseInt(prefixNode.asText());
            } else {
                reader.problem("network.prefix", prefixNode.asText(),
                        "is not a prefix length: a whole number, 1 to 32 (IPv4) or 1 to 128 (IPv6)");
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
