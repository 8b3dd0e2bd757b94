package org.clonefarm.agent.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Runs one external command (vmcp, chccwdev, the reboot command) with a timeout and collects its
 * exit code and output. A command that outlives the timeout is killed. Stateless and thread-safe.
 */
public final class ProcessRunner {

    /** What a finished command left: exit code, standard output and standard error. */
    public record Result(int exitCode, String stdout, String stderr) {
        /** The first non-blank line of stderr, or of stdout, for error messages. */
        public String firstMessageLine() {
            for (String text : List.of(stderr, stdout)) {
                for (String line : text.split("\n")) {
                    if (!line.isBlank()) {
                        return line.trim();
                    }
                }
            }
            return "no output";
        }
    }

    private ProcessRunner() {
    }

    /**
     * @throws IOException when the command cannot be started (not installed, not executable)
     * @throws java.util.concurrent.TimeoutException when it did not finish within the timeout (it is killed)
     */
    public static Result run(List<String> command, Duration timeout)
            throws IOException, java.util.concurrent.TimeoutException, InterruptedException {
        if (command.isEmpty()) {
            throw new IOException("empty command");
        }
        Process process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.PIPE).start();
        process.getOutputStream().close();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> drain(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(process.getErrorStream()));
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            throw new java.util.concurrent.TimeoutException(String.join(" ", command) + " did not finish within "
                    + timeout.toMillis() + " ms and was killed");
        }
        try {
            return new Result(process.exitValue(), out.get(5, TimeUnit.SECONDS), err.get(5, TimeUnit.SECONDS));
        } catch (ExecutionException e) {
            throw new IOException("cannot read the output of " + String.join(" ", command), e.getCause());
        }
    }

    private static String drain(InputStream stream) {
        try (stream) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            stream.transferTo(bytes);
            return bytes.toString(StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
