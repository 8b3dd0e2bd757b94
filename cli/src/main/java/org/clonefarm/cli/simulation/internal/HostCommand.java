package org.clonefarm.cli.simulation.internal;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.List;
import org.clonefarm.cli.simulation.GuestRuntimeException;
import org.clonefarm.platform.io.HostTool;

/**
 * Runs a host tool (losetup, mount, umount, mke2fs) through {@link HostTool}, its failures as
 * {@link GuestRuntimeException}s of the local runtime. Stateless and thread-safe.
 */
public final class HostCommand {

    /** What a finished command printed. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** The first non-blank line of stderr, else of stdout. */
        public String message() {
            String text = stderr.isBlank() ? stdout : stderr;
            return text.strip().lines().findFirst().orElse("(no output)");
        }
    }

    private HostCommand() {
    }

    /**
     * Runs the command and fails unless it exits 0.
     *
     * @throws GuestRuntimeException naming the command and what it printed
     */
    public static String run(List<String> command, Duration timeout) {
        Result result = exec(command, timeout);
        if (result.exitCode() != 0) {
            throw new GuestRuntimeException("'" + String.join(" ", command) + "' exited with " + result.exitCode()
                    + ": " + result.message(), false);
        }
        return result.stdout();
    }

    /**
     * Runs the command and returns how it ended, whatever its exit code.
     *
     * @throws GuestRuntimeException when it cannot be started or does not end within the timeout (it is killed)
     */
    public static Result exec(List<String> command, Duration timeout) {
        try {
            HostTool.Result result = HostTool.run(command, timeout);
            return new Result(result.exitCode(), result.stdout(), result.stderr());
        } catch (InterruptedIOException e) {
            throw new GuestRuntimeException(e.getMessage(), true, e);
        } catch (IOException e) {
            throw new GuestRuntimeException("cannot run '" + String.join(" ", command) + "': " + e.getMessage(), false, e);
        }
    }
}
