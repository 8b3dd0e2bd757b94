package org.clonefarm.cli;

import java.nio.file.Path;
import org.clonefarm.messaging.FarmKey;
import picocli.CommandLine.Option;

/**
 * {@code --farm-key FILE}: the farm's request-signing key ({@link FarmKey}). The coordinator signs every
 * clone request with it and every worker copies only requests it signed, so both must read the same key.
 * Default {@code DATA/security/farm.key}. A picocli mixin.
 */
public final class FarmKeyOption {

    @Option(names = "--farm-key", paramLabel = "FILE",
            description = "The farm key clone requests are signed with: the coordinator's and every worker's must be"
                    + " the same file's content, mode 0600 (default: DATA/security/farm.key; the coordinator creates it"
                    + " when it is missing, a worker refuses to start without it).")
    Path file;

    /** The key file as given, or the data directory's default. */
    Path file(Path dataDirectory) {
        return file != null ? file.toAbsolutePath().normalize() : FarmKey.defaultFile(dataDirectory);
    }

    /**
     * The key, made when missing (the coordinator's and operator's side).
     *
     * @throws UserError naming the file when it cannot be read or made
     */
    FarmKey loadOrCreate(Path dataDirectory) {
        return loadOrCreateAt(file(dataDirectory));
    }

    /** {@link FarmKey#loadOrCreate} with its failure as a {@link UserError}. */
    static FarmKey loadOrCreateAt(Path keyFile) {
        try {
            return FarmKey.loadOrCreate(keyFile);
        } catch (FarmKey.FarmKeyException e) {
            throw new UserError(e.getMessage() + ".", e);
        }
    }
}
