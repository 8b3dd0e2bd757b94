package org.clonefarm.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * {@code --data DIR}: the clonefarm data directory (embedded broker, local z/VM simulation,
 * checkpoints). Default {@code $CLONEFARM_DATA}, else {@code ~/.clonefarm}. A picocli mixin.
 */
public final class DataDirectoryOption {

    @Option(names = "--data", paramLabel = "DIR",
            description = "Data directory (default: $CLONEFARM_DATA, else ~/.clonefarm).")
    Path data;

    /** The data directory as given or defaulted, not checked. */
    public Path path() {
        if (data != null) {
            return data.toAbsolutePath().normalize();
        }
        String env = System.getenv("CLONEFARM_DATA");
        if (env != null && !env.isBlank()) {
            return Path.of(env).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("user.home"), ".clonefarm");
    }

    /**
     * The data directory, created if missing and proven writable by writing a probe file.
     *
     * @throws UserError naming {@code --data} and the directory when it cannot be used
     */
    public Path writable() {
        Path dir = path();
        try {
            Files.createDirectories(dir);
            Path probe = Files.createTempFile(dir, ".write-probe", ".tmp");
            Files.delete(probe);
            return dir;
        } catch (IOException | SecurityException e) {
            throw UserError.usage("--data " + dir + " cannot be used: " + describe(e)
                    + ". Give a directory you can write to.");
        }
    }

    private static String describe(Exception e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "it cannot be created there (" + ((java.nio.file.NoSuchFileException) e).getFile() + ")";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied on " + ((java.nio.file.AccessDeniedException) e).getFile();
        }
        if (e instanceof java.nio.file.FileSystemException fse && fse.getReason() != null) {
            return fse.getReason() + " (" + fse.getFile() + ")";
        }
        return e.getClass().getSimpleName() + ": " + e.getMessage();
    }
}
