package org.clonefarm.agent.internal;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import org.clonefarm.platform.io.DurableFiles;

/**
 * What the agent remembers across boots, in {@code agent.state} beside the spool: how many boots it
 * has seen, and who it is for the events of later runs ({@code userid}, {@code batch},
 * {@code attempt}), so {@code report-ready} needs neither CP nor the 191 disk. Whether READY was
 * reported is not kept here but read from the spool itself (it holds every event ever spooled), so
 * there is no second record that could disagree. Replaced atomically and durably. Immutable.
 */
public record AgentState(int boots, String userid, String batchId, int attempt) {
    static final String FILE = "agent.state";

    public static AgentState load(Path directory) throws IOException {
        Path file = directory.resolve(FILE);
        Properties properties = new Properties();
        try {
            properties.load(new StringReader(Files.readString(file, StandardCharsets.UTF_8)));
        } catch (NoSuchFileException e) {
            return new AgentState(0, "", "", 0);
        }
        try {
            return new AgentState(Integer.parseInt(properties.getProperty("boots", "0").trim()),
                    properties.getProperty("userid", "").trim(), properties.getProperty("batch", "").trim(),
                    Integer.parseInt(properties.getProperty("attempt", "0").trim()));
        } catch (NumberFormatException e) {
            throw new IOException(file + " holds a boots or attempt value that is not a number", e);
        }
    }

    public void store(Path directory) throws IOException {
        DurableFiles.replace(directory.resolve(FILE), ("boots=" + boots + "\nuserid=" + userid + "\nbatch="
                + batchId + "\nattempt=" + attempt + "\n").getBytes(StandardCharsets.UTF_8));
    }
}
