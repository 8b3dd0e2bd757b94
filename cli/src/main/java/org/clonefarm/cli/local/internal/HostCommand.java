package org.clonefarm.cli.local.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.clonefarm.cli.local.LocalRuntimeException;

/**
 * Runs a host tool (losetup, mount, umount, mke2fs) without a shell and returns its output.
 * Stateless and thread-safe.
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
     * @throws LocalRuntimeException naming the command and what it printed
     */
    public static String run(List<String> command, Duration timeout) {
        Result result = exec(command, timeout);
        if (result.exitCode() != 0) {
            throw new LocalRuntimeException("'" + String.join(" ", command) + "' exited with " + result.exitCode()
                    + ": " + result.message(), false);
        }
        return result.stdout();
    }

    /**
     * Runs the command and returns how it ended, whatever its exit code.
     *
     * @throws LocalRuntimeException when it cannot be started or does not end within the timeout (it is killed)
     */
    public static Result exec(List<String> command, Duration timeout) {
        String shown = String.join(" ", command);
        Process process;
        try {
            process = new ProcessBuilder(command).start();
        } catch (IOException e) {
            throw new LocalRuntimeException("cannot run '" + shown + "': " + e.getMessage(), false, e);
        }
        try {
            process.getOutputStream().close();
            CompletableFuture<String> out = readAsync(process.getInputStream());
            CompletableFuture<String> err = readAsync(process.getErrorStream());
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
                throw new LocalRuntimeException("'" + shown + "' did not finish within " + timeout.toMillis() + " ms",
                        true);
            }
            return new Result(process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new LocalRuntimeException("interrupted while running '" + shown + "'", true, e);
        } catch (IOException | ExecutionException | TimeoutException e) {
            process.destroyForcibly();
            throw new LocalRuntimeException("cannot read the output of '" + shown + "': " + e.getMessage(), true, e);
        }
    }

    /**
     * Reads a stream to its end on a thread of its own: a reader blocks until the process ends, and
     * the common pool has a single thread on two cores, where two readers would wait on each other.
     */
    private static CompletableFuture<String> readAsync(InputStream stream) {
        CompletableFuture<String> text = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (stream) {
                text.complete(new String(stream.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                text.completeExceptionally(new UncheckedIOException(e));
            }
        }, "clonefarm-host-command-output");
        reader.setDaemon(true);
        reader.start();
        return text;
    }
}
