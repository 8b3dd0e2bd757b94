package org.clonefarm.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.clonefarm.coordinator.api.BatchCommands.BatchCommandException;

/** Reading a spec file, and turning a refused batch command into a message for the terminal. */
final class SpecFile {

    private SpecFile() {
    }

    static String read(Path spec) {
        try {
            return Files.readString(spec, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw UserError.usage("spec file " + spec + " does not exist");
        } catch (IOException e) {
            throw UserError.usage("cannot read spec file " + spec + ": " + e.getMessage());
        }
    }

    /** The exception behind a failed future, as a user error when it is one. */
    static RuntimeException unwrap(Throwable failure, String what) {
        Throwable cause = failure;
        while ((cause instanceof java.util.concurrent.CompletionException
                || cause instanceof java.util.concurrent.ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        if (cause instanceof BatchCommandException refused) {
            return new UserError(what + ": " + refused.getMessage(), refused);
        }
        if (cause instanceof IOException io) {
            return new UserError(what + ": " + io.getMessage(), io);
        }
        return cause instanceof RuntimeException runtime ? runtime : new IllegalStateException(cause);
    }
}
