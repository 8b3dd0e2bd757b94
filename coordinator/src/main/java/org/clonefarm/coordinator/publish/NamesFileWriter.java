package org.clonefarm.coordinator.publish;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.cms.RecordFormat;
import org.clonefarm.platform.io.BoundedFiles;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.platform.names.NamesFormatException;

/**
 * Writes a batch's NAMES entries where the clones read them: into a NAMES file on a CMS disk (the
 * master's 191, as an image region in the local simulation or a linked minidisk's block device on
 * z/VM), or into a plain text file of 80-column records for an administrator to copy. Entries of
 * other nicks already in the file are kept; the batch's own are replaced, so writing twice is
 * harmless. Stateless; callers serialise writers of one disk (the directory lock, or one submit).
 */
public final class NamesFileWriter {

    private NamesFileWriter() {
    }

    /** Adds or replaces the entries in {@code file} on the CMS disk at {@code region}. */
    public static void writeToDisk(FileRegion region, CmsFileId file, List<NamesEntry> names) throws IOException {
        try (EdfFileSystem disk = EdfFileSystem.openForUpdate(region)) {
            List<NamesEntry> existing = disk.exists(file) ? NamesFile.read(disk, file).entries() : List.of();
            NamesFile.of(merge(existing, names)).write(disk, file, RecordFormat.F, NamesFile.DEFAULT_RECORD_LENGTH);
        }
    }

    /**
     * Adds or replaces the entries in a plain text NAMES file (one record a line), atomically and durably.
     *
     * @throws NamesFormatException when an existing file does not parse
     * @throws org.clonefarm.platform.io.BoundedFiles.FileTooLargeException when an existing file is larger than
     *     {@link NamesFile#MAX_TEXT_FILE_BYTES}
     */
    public static void writeToFile(Path path, List<NamesEntry> names) throws IOException {
        List<NamesEntry> existing = Files.exists(path)
                ? NamesFile.parse(BoundedFiles.readUtf8(path, NamesFile.MAX_TEXT_FILE_BYTES, "NAMES file").lines().toList())
                        .entries()
                : List.of();
        StringBuilder text = new StringBuilder();
        for (String record : NamesFile.of(merge(existing, names)).toRecords(NamesFile.DEFAULT_RECORD_LENGTH)) {
            text.append(record.stripTrailing()).append('\n');
        }
        DurableFiles.replace(path, text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static List<NamesEntry> merge(List<NamesEntry> existing, List<NamesEntry> names) {
        Set<String> replaced = new HashSet<>();
        names.forEach(entry -> replaced.add(entry.nick()));
        List<NamesEntry> merged = new ArrayList<>();
        for (NamesEntry entry : existing) {
            if (!replaced.contains(entry.nick())) {
                merged.add(entry);
            }
        }
        merged.addAll(names);
        return merged;
    }
}
