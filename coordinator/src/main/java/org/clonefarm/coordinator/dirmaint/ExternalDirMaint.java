package org.clonefarm.coordinator.dirmaint;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Runs DirMaint commands through a site's own command: the configured command line with the
 * DirMaint command's words appended as arguments, e.g. {@code /usr/local/bin/dirm-wrapper DIRM FOR
 * LINUX001 AMDISK 0200 3390 1 20 LX0001 MR}. The wrapper does whatever reaches DirMaint at the site
 * (a CMS service machine, SMAPI, ssh) and exits 0 when DirMaint accepted the command.
 *
 * <p>The command line is split at blanks, without shell quoting (use a wrapper script for anything
 * more). Each run waits at most the timeout, then the process is killed. Thread-safe: runs share
 * nothing.
 */
public final class ExternalDirMaint {
    /** Output kept for a failure message: the last characters of stderr. */
    private static final int KEPT_OUTPUT = 2000;

    private final List<String> commandLine;
    private final Duration timeout;

    /**
     * The outcome of one run.
     *
     * @param exitCode the process's exit code, -1 when it was killed at the timeout
     * @param stdout what it printed, at most the last 2000 characters
     * @param stderr what it printed on stderr, at most the last 2000 characters
     */
    public record Outcome(int exitCode, String stdout, String stderr) {
        public boolean succeeded() {
            return exitCode == 0;
        }
    }

    private ExternalDirMaint(List<String> commandLine, Duration timeout) {
        this.commandLine = List.copyOf(commandLine);
        this.timeout = timeout;
    }

    /**
     * The runner for {@code command} ("CMD ARG..."), after checking that CMD is an executable file (a
     * path, or a name found on {@code PATH}).
     *
     * @throws IllegalArgumentException saying what is wrong with the command line
     */
    public static ExternalDirMaint of(String command, Duration timeout) {
        Objects.requireNonNull(timeout, "timeout");
        String trimmed = command == null ? "" : command.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("the DirMaint command is empty; give the path of an executable");
        }
        List<String> words = new ArrayList<>(List.of(trimmed.split("\\s+")));
        Path executable = resolve(words.get(0)).orElseThrow(() -> new IllegalArgumentException("the DirMaint command '"
                + words.get(0) + "' is not an executable file" + (words.get(0).contains("/") ? "" : " on PATH")
                + "; give the path of an executable (chmod +x it)"));
        words.set(0, executable.toString());
        return new ExternalDirMaint(words, timeout);
    }

    private static Optional<Path> resolve(String name) {
        if (name.contains("/")) {
            Path path = Path.of(name).toAbsolutePath();
            return Files.isRegularFile(path) && Files.isExecutable(path) ? Optional.of(path) : Optional.empty();
        }
        String pathVariable = System.getenv("PATH");
        if (pathVariable == null) {
            return Optional.empty();
        }
        for (String dir : pathVariable.split(File.pathSeparator)) {
            if (dir.isEmpty()) {
                continue;
            }
            Path candidate = Path.of(dir, name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    /** The command line, with the executable resolved. */
    public List<String> commandLine() {
        return commandLine;
    }

    /**
     * Runs the configured command with {@code command}'s words appended and waits for it.
     *
     * @throws IOException when the process cannot be started (not its exit code: see {@link Outcome})
     */
    public Outcome run(DirMaintCommand command) throws IOException, InterruptedException {
        List<String> argv = new ArrayList<>(commandLine);
        argv.addAll(command.words());
        Path out = Files.createTempFile("clonefarm-dirm-", ".out");
        Path err = Files.createTempFile("clonefarm-dirm-", ".err");
        try {
            Process process = new ProcessBuilder(argv).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            int exit;
            if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                exit = process.exitValue();
            } else {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
                Files.writeString(err, System.lineSeparator() + "(killed after " + timeout.toSeconds() + " s)",
                        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.APPEND);
                exit = -1;
            }
            return new Outcome(exit, tail(out), tail(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }

    private static String tail(Path file) throws IOException {
        String text = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).strip();
        return text.length() <= KEPT_OUTPUT ? text : "..." + text.substring(text.length() - KEPT_OUTPUT);
    }
}
