package org.clonefarm.agent.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.clonefarm.agent.AgentException;
import org.clonefarm.agent.AgentStep;
import org.clonefarm.agent.CloneConfigSource;
import org.clonefarm.agent.CloneConfigSourceProvider;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.CmsFileNotFoundException;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.cms.EdfFormatException;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.platform.names.NamesFormatException;

/**
 * The NAMES reader of real guests: the NAMES file on a CMS EDF disk (the 191 disk), read with the
 * platform's {@link EdfFileSystem} and {@link NamesFile}, read-only. The location is a
 * {@link FileRegion} {@code IMAGE[:OFFSET[:LENGTH]]}: on z/VM the by-path device of the 191 disk
 * after {@code chccwdev -e}, in the local simulation the master's 191 extent in its volume image.
 *
 * <p>Serves locations whose path is absolute or exists (so other providers, such as test ones with
 * their own schemes, still get theirs). The whole file is read once when the source is opened; a
 * damaged disk or NAMES file fails the read-config step there, naming the disk and the structure.
 * Registered in {@code META-INF/services}; stateless and thread-safe.
 */
public final class CmsNamesFileProvider implements CloneConfigSourceProvider {

    @Override
    public Optional<CloneConfigSource> open(String location, String namesFile) {
        FileRegion region;
        try {
            region = FileRegion.parse(location);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!region.path().isAbsolute() && !Files.exists(region.path())) {
            return Optional.empty();
        }
        CmsFileId file = fileId(namesFile);
        String described = file.nameAndType() + " on " + location;
        NamesFile names;
        try (EdfFileSystem disk = EdfFileSystem.open(region)) {
            names = NamesFile.read(disk, file);
        } catch (NoSuchFileException e) {
            throw new AgentException(AgentStep.READ_CONFIG, "the 191 disk " + region.path() + " does not exist"
                    + " (is it linked and online?)", true, e);
        } catch (CmsFileNotFoundException e) {
            throw new AgentException(AgentStep.READ_CONFIG, "the CMS disk at " + location + " has no file "
                    + file.nameAndType(), false, e);
        } catch (EdfFormatException e) {
            throw new AgentException(AgentStep.READ_CONFIG, "the CMS disk at " + location + " is damaged: "
                    + e.getMessage(), false, e);
        } catch (NamesFormatException e) {
            throw new AgentException(AgentStep.READ_CONFIG, described + " is no valid NAMES file: " + e.getMessage(),
                    false, e);
        } catch (IOException | RuntimeException e) {
            throw new AgentException(AgentStep.READ_CONFIG, "cannot read " + described + ": " + e.getMessage(),
                    true, e);
        }
        Map<String, Map<String, String>> entries = new LinkedHashMap<>();
        for (NamesEntry entry : names.entries()) {
            entries.put(entry.nick(), entry.tags());
        }
        return Optional.of(CloneConfigSource.of(described, entries));
    }

    /** {@code FN FT [FM]} as a file id ({@link CmsFileId#parse}); the default mode when none is given. */
    static CmsFileId fileId(String namesFile) {
        try {
            return CmsFileId.parse(namesFile);
        } catch (IllegalArgumentException e) {
            throw new AgentException(AgentStep.AGENT_CONFIG, "names.file: " + e.getMessage(), false, e);
        }
    }
}
