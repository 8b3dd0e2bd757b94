package org.clonefarm.worker.disk.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.DurableFiles;

/**
 * The durable list of one worker's live links: {@code <state dir>/links-<worker id>}, one line per
 * linked minidisk, {@code VDEV OWNER VADDR MODE} (e.g. {@code 1A2F LNXMASTR 0201 RR}). An entry is
 * written before the LINK and removed after the DETACH, so after a crash at any moment the file lists a
 * superset of what is linked; the next start detaches what {@code QUERY VIRTUAL DASD} still shows.
 * Every change replaces the file durably ({@link DurableFiles}).
 *
 * <p>Thread-safe (synchronized); only its own worker writes the file, others only read it.
 */
public final class LinkStateFile {
    static final String PREFIX = "links-";

    private final Path file;

    /** One live link. */
    public record Entry(Vaddr vdev, Userid owner, Vaddr vaddr, LinkMode mode) {
        String line() {
            return vdev.value() + " " + owner.value() + " " + vaddr.value() + " " + mode.name();
        }

        static Entry parse(String line, Path file) throws IOException {
            String[] words = line.trim().split("\\s+");
            try {
                if (words.length != 4) {
                    throw new IllegalArgumentException("4 words expected");
                }
                return new Entry(Vaddr.of(words[0]), Userid.of(words[1]), Vaddr.of(words[2]), LinkMode.valueOf(words[3]));
            } catch (IllegalArgumentException e) {
                throw new IOException("corrupt link state file " + file + ": line '" + line + "' is not VDEV OWNER VADDR"
                        + " MODE (" + e.getMessage() + ")", e);
            }
        }
    }

    public LinkStateFile(Path stateDirectory, String workerId) {
        this.file = stateDirectory.toAbsolutePath().normalize().resolve(PREFIX + workerId);
    }

    public Path file() {
        return file;
    }

    public synchronized List<Entry> read() throws IOException {
        return read(file);
    }

    public synchronized void add(Entry entry) throws IOException {
        List<Entry> entries = new ArrayList<>(read(file));
        entries.removeIf(e -> e.vdev().equals(entry.vdev()));
        entries.add(entry);
        write(entries);
    }

    public synchronized void remove(Vaddr vdev) throws IOException {
        List<Entry> entries = new ArrayList<>(read(file));
        if (entries.removeIf(e -> e.vdev().equals(vdev))) {
            write(entries);
        }
    }

    /** Every vdev any worker's state file in this directory lists (they may be linked, or about to be). */
    public Set<Vaddr> vdevsOfAllWorkers() throws IOException {
        Set<Vaddr> vdevs = new HashSet<>();
        Path dir = file.getParent();
        if (!Files.isDirectory(dir)) {
            return vdevs;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, PREFIX + "*")) {
            for (Path other : files) {
                for (Entry entry : read(other)) {
                    vdevs.add(entry.vdev());
                }
            }
        }
        return vdevs;
    }

    private void write(List<Entry> entries) throws IOException {
        StringBuilder text = new StringBuilder();
        for (Entry entry : entries) {
            text.append(entry.line()).append('\n');
        }
        DurableFiles.replace(file, text.toString().getBytes(StandardCharsets.US_ASCII));
    }

    private static List<Entry> read(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.US_ASCII);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<Entry> entries = new ArrayList<>();
        for (String line : lines) {
            if (!line.isBlank()) {
                entries.add(Entry.parse(line, file));
            }
        }
        return entries;
    }
}
