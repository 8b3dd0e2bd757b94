package org.clonefarm.platform.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a host tool (chccwdev, udevadm, losetup, mount, mke2fs, vmcp) directly, never through a shell, with a
 * timeout per call after which it and its children are killed: the one process runner of the project's main
 * code and of the test fixtures (loop devices and mounts go through {@link LoopDevice} and {@link LoopMount},
 * which run their tools here). Stateless and thread-safe.
 */
public final class HostTool {

    /** Readers of the tools' output: one thread per stream, so a full stderr pipe never blocks stdout's reader. */
    private static final java.util.concurrent.ExecutorService READERS = java.util.concurrent.Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "host-tool-output");
        thread.setDaemon(true);
        return thread;
    });

    private HostTool() {
    }

    /** How a tool ended. */
    public record Result(List<String> command, int exitCode, String stdout, String stderr) {
        public Result {
            command = List.copyOf(command);
        }

        /** Whether it exited 0. */
        public boolean ok() {
            return exitCode == 0;
        }

        /**
         * What the tool said, for a sentence that names the step itself: the first non-blank line of stderr,
         * else of stdout, or {@code (no output)}.
         */
        public String message() {
            String text = stderr.isBlank() ? stdout : stderr;
            return text.strip().lines().findFirst().orElse("(no output)");
        }

        /** {@code 'chccwdev -e 0.0.1200' exited with 1: <stderr, else stdout>}: for error messages. */
        public String describe() {
            String text = (stderr.isBlank() ? stdout : stderr).strip().replace('\n', ' ');
            return "'" + String.join(" ", command) + "' exited with " + exitCode + ": " + (text.isEmpty() ? "(no output)" : text);
        }
    }

    /**
     * Runs {@code command} to its end.
     *
     * @throws InterruptedIOException when it did not end within {@code timeout} (it was killed) or this thread
     *     was interrupted
     * @throws IOException when it cannot be started (no such executable, not executable)
     */
    public static Result run(List<String> command, Duration timeout) throws IOException {
        return run(command, null, timeout);
    }

    /**
     * Runs {@code command} to its end and returns what it printed on stdout, failing unless it exited 0.
     *
     * @throws InterruptedIOException when it did not end within {@code timeout} (it was killed) or this thread
     *     was interrupted
     * @throws IOException when it cannot be started, or exited with another code ({@link Result#describe()})
     */
    public static String checkOutput(List<String> command, Duration timeout) throws IOException {
        Result result = run(command, timeout);
        if (!result.ok()) {
            throw new IOException(result.describe());
        }
        return result.stdout();
    }

    /**
     * Runs {@code command} to its end with exactly {@code environment} (this process's when null).
     *
     * @throws InterruptedIOException when it did not end within {@code timeout} (it was killed) or this thread
     *     was interrupted
     * @throws IOException when it cannot be started (no such executable, not executable)
     */
    public static Result run(List<String> command, java.util.Map<String, String> environment, Duration timeout)
            throws IOException {
        String shown = String.join(" ", command);
        ProcessBuilder builder = new ProcessBuilder(command);
        if (environment != null) {
            builder.environment().clear();
            builder.environment().putAll(environment);
        }
        Process process = builder.start();
        try {
            process.getOutputStream().close();
            CompletableFuture<String> out = readAsync(process.getInputStream());
            CompletableFuture<String> err = readAsync(process.getErrorStream());
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                kill(process);
                throw new InterruptedIOException("'" + shown + "' did not finish within " + timeout.toMillis() + " ms and was killed");
            }
            return new Result(command, process.exitValue(), out.get(10, TimeUnit.SECONDS), err.get(10, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
            kill(process);
            Thread.currentThread().interrupt();
            InterruptedIOException interrupted = new InterruptedIOException("interrupted while running '" + shown + "'");
            interrupted.initCause(e);
            throw interrupted;
        } catch (ExecutionException | TimeoutException e) {
            kill(process);
            throw new IOException("cannot read the output of '" + shown + "': " + e.getMessage(), e);
        }
    }

    private static void kill(Process process) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static CompletableFuture<String> readAsync(InputStream stream) {
        return CompletableFuture.supplyAsync(() -> {
            try (stream) {
                return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }, READERS);
    }
}
