package org.clonefarm.agent.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clonefarm.platform.ids.BatchName;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.io.DurableFiles;

/**
 * What the agent remembers across boots, in {@code agent.state} beside the spool: how many boots it
 * has seen, who it is for the events of later runs ({@code userid}, {@code batch},
 * {@code attempt}), and which interface it configured ({@code interface}, {@code macaddr}), so
 * {@code report-ready} needs neither CP nor the 191 disk. Whether READY was
 * reported is not kept here but read from the spool itself (it holds every event ever spooled), so
 * there is no second record that could disagree. Replaced atomically and durably. Immutable.
 *
 * <p>The file is {@code key=value} lines written from typed values (two numbers, a {@link Userid}, a
 * {@link BatchName}, an interface name, a MAC address), none of which can hold a newline or an
 * {@code =}, so no value can add a line or a key. It is read back strictly: the four first keys
 * exactly once, {@code interface} and {@code macaddr} at most once (a state written by an agent before
 * them has neither), each value valid again; anything else is refused rather than half-believed.
 *
 * @param boots the boots seen, at least 0
 * @param userid this guest, or null before the first run stored it
 * @param batch the batch of the clone request, or null when the NAMES entry named none
 * @param attempt the attempt of the clone request, at least 0
 * @param interfaceName the interface finalize configured, or empty when unknown
 * @param macAddress its MAC address when the NAMES entry gave one ({@code :macaddr.}), else empty
 */
public record AgentState(int boots, Userid userid, BatchName batch, int attempt, String interfaceName,
        String macAddress) {
    static final String FILE = "agent.state";
    private static final List<String> KEYS = List.of("boots", "userid", "batch", "attempt");
    private static final List<String> OPTIONAL_KEYS = List.of("interface", "macaddr");

    public AgentState {
        if (boots < 0 || attempt < 0) {
            throw new IllegalArgumentException("boots " + boots + " and attempt " + attempt + " must be at least 0");
        }
        interfaceName = interfaceName == null ? "" : interfaceName;
        macAddress = macAddress == null ? "" : macAddress;
        if (!interfaceName.isEmpty() && !interfaceName.matches("[A-Za-z0-9_.-]{1,15}")) {
            throw new IllegalArgumentException("'" + interfaceName + "' is not an interface name");
        }
        if (!macAddress.isEmpty() && !macAddress.matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}")) {
            throw new IllegalArgumentException("'" + macAddress + "' is not a MAC address in lower case with colons");
        }
    }

    /** The state before any run. */
    public static AgentState initial() {
        return new AgentState(0, null, null, 0, "", "");
    }

    /** This state with the interface finalize configured. */
    public AgentState withInterface(String name, String mac) {
        return new AgentState(boots, userid, batch, attempt, name, mac);
    }

    /**
     * The state for values as the agent holds them.
     *
     * @param batchId a batch name, or empty for none
     * @throws IllegalArgumentException when the userid or the batch is not one
     */
    public static AgentState of(int boots, String userid, String batchId, int attempt) {
        return new AgentState(boots, Userid.of(userid), batchId.isEmpty() ? null : new BatchName(batchId), attempt, "", "");
    }

    /** The userid, or empty when none is stored. */
    public String useridText() {
        return userid == null ? "" : userid.value();
    }

    /** The batch name, or empty when none is stored. */
    public String batchId() {
        return batch == null ? "" : batch.value();
    }

    /**
     * Reads the state, or {@link #initial()} when there is no file.
     *
     * @throws IOException naming the file and the line when it cannot be read or is not as written
     */
    public static AgentState load(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return initial();
        }
        Map<String, String> values = new LinkedHashMap<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isEmpty() && i == lines.length - 1) {
                break;
            }
            int eq = line.indexOf('=');
            String key = eq < 0 ? line : line.substring(0, eq);
            if (eq < 0 || !(KEYS.contains(key) || OPTIONAL_KEYS.contains(key))) {
                throw corrupt(file, i + 1, line, "is not one of " + String.join(", ", KEYS) + ", "
                        + String.join(", ", OPTIONAL_KEYS) + " as key=value");
            }
            if (values.put(key, line.substring(eq + 1)) != null) {
                throw corrupt(file, i + 1, line, "gives " + key + " a second time");
            }
        }
        if (!values.keySet().containsAll(KEYS)) {
            throw new IOException(file + " lacks " + KEYS.stream().filter(k -> !values.containsKey(k)).toList()
                    + "; remove it and run the agent again (the boot count starts over)");
        }
        try {
            String userid = values.get("userid");
            String batch = values.get("batch");
            return new AgentState(count(values.get("boots")), userid.isEmpty() ? null : new Userid(userid),
                    batch.isEmpty() ? null : new BatchName(batch), count(values.get("attempt")),
                    values.getOrDefault("interface", ""), values.getOrDefault("macaddr", ""));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " holds a value that is not what its key says ("
                    + ControlCharacters.escape(e.getMessage()) + "); remove it and run the agent again"
                    + " (the boot count starts over)", e);
        }
    }

    /** Replaces the file, durably. */
    public void store(Path directory) throws IOException {
        String text = "boots=" + boots + "\nuserid=" + useridText() + "\nbatch=" + batchId() + "\nattempt=" + attempt
                + "\ninterface=" + interfaceName + "\nmacaddr=" + macAddress + "\n";
        DurableFiles.replace(directory.resolve(FILE), text.getBytes(StandardCharsets.UTF_8));
    }

    private static int count(String text) {
        if (!text.matches("[0-9]{1,9}")) {
            throw new IllegalArgumentException("'" + text + "' is not a count of 0 or more");
        }
        return Integer.parseInt(text);
    }

    private static IOException corrupt(Path file, int line, String text, String why) {
        return new IOException(file + " line " + line + " '" + ControlCharacters.escape(text) + "' " + why
                + "; remove the file and run the agent again (the boot count starts over)");
    }
}
