package org.clonefarm.coordinator.publish;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.names.NamesEntry;

/**
 * Where a submit writes the batch's NAMES entries when no local simulation says where the master's
 * 191 disk is: a CMS disk given by path (a linked minidisk's block device, or an image region), or a
 * plain text file for an administrator to copy onto the disk. Immutable.
 */
public sealed interface NamesTarget {

    /** Writes (adds or replaces) the entries. */
    void write(List<NamesEntry> names) throws IOException;

    /** Where, for the user: "LINUX NAMES on the CMS disk /dev/...". */
    String describe();

    /** A NAMES file on a CMS (EDF) disk. */
    record CmsDisk(FileRegion region, CmsFileId file) implements NamesTarget {
        public CmsDisk {
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(file, "file");
        }

        @Override
        public void write(List<NamesEntry> names) throws IOException {
            NamesFileWriter.writeToDisk(region, file, names);
        }

        @Override
        public String describe() {
            return file.name() + " " + file.type() + " on the CMS disk " + region;
        }
    }

    /** A plain text file of NAMES records. */
    record TextFile(Path path) implements NamesTarget {
        public TextFile {
            Objects.requireNonNull(path, "path");
        }

        @Override
        public void write(List<NamesEntry> names) throws IOException {
            NamesFileWriter.writeToFile(path, names);
        }

        @Override
        public String describe() {
            return "the text file " + path + " (copy it to the master's 191 disk as the clones' NAMES file)";
        }
    }
}
