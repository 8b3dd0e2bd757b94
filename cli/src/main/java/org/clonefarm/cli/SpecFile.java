package org.clonefarm.cli;

import java.io.IOException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.clonefarm.coordinator.commands.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.spec.SpecParser;
import org.clonefarm.platform.io.BoundedFiles;
import org.clonefarm.platform.io.BoundedFiles.FileTooLargeException;

/** Reading a spec file, and turning a refused batch command into a message for the terminal. */
final class SpecFile {

    private SpecFile() {
    }

    /**
     * The text of a spec file of at most {@link SpecParser#MAX_SPEC_CHARS} bytes (the parser's limit in
     * characters; an ASCII spec's bytes). A larger file, a device such as {@code /dev/zero} or an
     * endless FIFO is refused without being read past the limit.
     *
     * @throws UserError (usage) when the file is missing, too large, not UTF-8 or unreadable
     */
    static String read(Path spec) {
        try {
            return BoundedFiles.readUtf8(spec, SpecParser.MAX_SPEC_CHARS, "spec file");
        } catch (NoSuchFileException e) {
            throw UserError.usage("spec file " + spec + " does not exist");
        } catch (FileTooLargeException e) {
            throw UserError.usage(e.getMessage() + "; a spec lists its clones as ranges and needs far less: check the"
                    + " path, or split the batch");
        } catch (BoundedFiles.NotUtf8Exception e) {
            throw UserError.usage(e.getMessage() + "; save the spec as UTF-8 (or plain ASCII)");
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
