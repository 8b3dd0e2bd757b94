package org.clonefarm.coordinator.dirmaint;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.DirectoryException;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.io.DurableFiles;

/**
 * The record of a DirMaint submit, so that running it again continues where it stopped: the batch,
 * the spec's digest, the planned clone entries (with their batch marker and exact extents), the
 * DirMaint commands in order, and which of them were applied. A text file:
 *
 * <pre>
 * clonefarm dirmaint journal 1
 * batch WEB01
 * digest 3f2a...
 * entry USER LINUX001 AUTOONLY 1G 2G G
 * entry  * clonefarm 3f2a... WEB01
 * ...
 * command LINUX001 DIRM ADD LINUX001 LIKE LNXPROTO PW AUTOONLY
 * ...
 * applied 0
 * applied 1
 * </pre>
 *
 * <p>Durability: the plan part is written whole (temp file, fsync, atomic rename, fsync of the
 * directory) before the first command runs; each {@code applied N} line is appended and forced to
 * disk after command N succeeded and before the next one starts. A crash between a command's success
 * and its line leaves that command to run again, the one case a re-run cannot avoid; the failure
 * message says so. A torn last line (no newline) is ignored. Not thread-safe: one submit at a time.
 */
public final class DirMaintJournal {
    private static final String MAGIC = "clonefarm dirmaint journal 1";

    private final Path file;
    private final String batch;
    private final String specDigest;
    private final List<DirectoryEntry> entries;
    private final List<DirMaintCommand> commands;
    private final BitSet applied;

    private DirMaintJournal(Path file, String batch, String specDigest, List<DirectoryEntry> entries,
            List<DirMaintCommand> commands, BitSet applied) {
        this.file = file;
        this.batch = batch;
        this.specDigest = specDigest;
        this.entries = List.copyOf(entries);
        this.commands = List.copyOf(commands);
        this.applied = applied;
    }

    /** Writes a new journal with nothing applied, replacing any file at {@code file}. */
    public static DirMaintJournal create(Path file, String batch, String specDigest, List<DirectoryEntry> entries,
            List<DirMaintCommand> commands) throws IOException {
        StringBuilder text = new StringBuilder(MAGIC).append('\n');
        text.append("batch ").append(batch).append('\n');
        text.append("digest ").append(specDigest).append('\n');
        UserDirectory planned = UserDirectory.empty();
        entries.forEach(planned::add);
        for (String line : planned.print().split("\n")) {
            text.append("entry ").append(line).append('\n');
        }
        for (DirMaintCommand command : commands) {
            text.append("command ").append(command.userid()).append(' ').append(command.text()).append('\n');
        }
        DurableFiles.replace(file, text.toString().getBytes(StandardCharsets.UTF_8));
        return new DirMaintJournal(file, batch, specDigest, entries, commands, new BitSet());
    }

    /**
     * Reads the journal at {@code file}, if there is one.
     *
     * @throws IOException naming the file and line when it is not a journal this version wrote
     */
    public static Optional<DirMaintJournal> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text = Files.readString(file, StandardCharsets.UTF_8);
        if (!text.endsWith("\n")) {
            text = text.substring(0, text.lastIndexOf('\n') + 1); // a torn last append
        }
        String[] lines = text.split("\n");
        if (lines.length < 3 || !lines[0].equals(MAGIC)) {
            throw new IOException(file + " is not a clonefarm DirMaint journal (first line '"
                    + (lines.length == 0 ? "" : lines[0]) + "'); move it away or give another --data");
        }
        String batch = null;
        String digest = null;
        StringBuilder entryText = new StringBuilder();
        List<DirMaintCommand> commands = new ArrayList<>();
        BitSet applied = new BitSet();
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            int blank = line.indexOf(' ');
            String key = blank < 0 ? line : line.substring(0, blank);
            String rest = blank < 0 ? "" : line.substring(blank + 1);
            try {
                switch (key) {
                    case "batch" -> batch = rest;
                    case "digest" -> digest = rest;
                    case "entry" -> entryText.append(rest).append('\n');
                    case "command" -> {
                        int space = rest.indexOf(' ');
                        commands.add(DirMaintCommand.parse(rest.substring(0, space), rest.substring(space + 1)));
                    }
                    case "applied" -> {
                        int index = Integer.parseInt(rest);
                        if (index < 0 || index >= commands.size()) {
                            throw new IllegalArgumentException("command " + index + " does not exist");
                        }
                        applied.set(index);
                    }
                    default -> throw new IllegalArgumentException("unknown key '" + key + "'");
                }
            } catch (RuntimeException e) {
                throw new IOException(file + " line " + (i + 1) + " is damaged (" + e.getMessage()
                        + "); move the journal away and re-run with a fresh directory extract", e);
            }
        }
        if (batch == null || digest == null) {
            throw new IOException(file + " has no batch or digest line; move it away and re-run");
        }
        List<DirectoryEntry> entries;
        try {
            entries = UserDirectory.parse(entryText.toString(), file.toString()).entries();
        } catch (DirectoryException e) {
            throw new IOException(file + ": its planned entries do not parse: " + e.getMessage(), e);
        }
        return Optional.of(new DirMaintJournal(file, batch, digest, entries, commands, applied));
    }

    /** Records, durably, that command {@code index} was applied. */
    public void markApplied(int index) throws IOException {
        if (index < 0 || index >= commands.size()) {
            throw new IndexOutOfBoundsException("command " + index + " of " + commands.size());
        }
        if (applied.get(index)) {
            return;
        }
        byte[] line = ("applied " + index + "\n").getBytes(StandardCharsets.UTF_8);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ByteBuffer buffer = ByteBuffer.wrap(line);
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        }
        applied.set(index);
    }

    public Path file() {
        return file;
    }

    public String batch() {
        return batch;
    }

    public String specDigest() {
        return specDigest;
    }

    /** The planned clone entries, with their batch marker. */
    public List<DirectoryEntry> entries() {
        return entries;
    }

    /** Every command of the batch, in the order they are applied. */
    public List<DirMaintCommand> commands() {
        return commands;
    }

    public boolean isApplied(int index) {
        return applied.get(index);
    }

    /** How many commands are applied. */
    public int appliedCount() {
        return applied.cardinality();
    }

    /** The userids of clones with at least one applied command. */
    public List<String> touchedClones() {
        List<String> touched = new ArrayList<>();
        for (int i = applied.nextSetBit(0); i >= 0; i = applied.nextSetBit(i + 1)) {
            String userid = commands.get(i).userid();
            if (!touched.contains(userid)) {
                touched.add(userid);
            }
        }
        return touched;
    }
}
