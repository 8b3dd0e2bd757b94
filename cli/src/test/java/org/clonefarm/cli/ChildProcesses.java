package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@code clonefarm} commands run as child JVMs from the test class path, the way a user runs them in
 * separate shells; every child started is killed by {@link #close()}, even when a test fails.
 */
final class ChildProcesses implements AutoCloseable {
    private final List<Process> started = new ArrayList<>();
    private final Path logs;

    ChildProcesses(Path logs) throws IOException {
        this.logs = Files.createDirectories(logs);
    }

    /** Starts {@code clonefarm ARGS}, output to {@code <logs>/<name>.out} and {@code .err}. */
    Process start(String name, String... args) throws IOException {
        return start(name, List.of(), args);
    }

    /** Starts {@code clonefarm ARGS} in a JVM with {@code jvmOptions} ({@code -Dkey=value}), output as above. */
    Process start(String name, List<String> jvmOptions, String... args) throws IOException {
        Process process = new ProcessBuilder(command(jvmOptions, args))
                .redirectOutput(logs.resolve(name + ".out").toFile())
                .redirectError(logs.resolve(name + ".err").toFile())
                .start();
        started.add(process);
        return process;
    }

    /** The command line of a child JVM running {@code clonefarm ARGS} from the test class path. */
    static List<String> command(List<String> jvmOptions, String... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx768m");
        command.add("-Dclonefarm.agent.jar=" + LoopMountGuestsTest.agentJar().toAbsolutePath());
        command.addAll(jvmOptions);
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add(Main.class.getName());
        command.addAll(List.of(args));
        return command;
    }

    /** Runs {@code clonefarm ARGS} to its end (bounded) and returns its exit code. */
    int run(String name, long timeoutSeconds, String... args) throws IOException, InterruptedException {
        return run(name, timeoutSeconds, List.of(), args);
    }

    /** Runs {@code clonefarm ARGS} in a JVM with {@code jvmOptions} to its end (bounded); its exit code. */
    int run(String name, long timeoutSeconds, List<String> jvmOptions, String... args) throws IOException,
            InterruptedException {
        Process process = start(name, jvmOptions, args);
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            throw new AssertionError("clonefarm " + String.join(" ", args) + " did not end within " + timeoutSeconds
                    + " s; see " + logs.resolve(name + ".err"));
        }
        return process.exitValue();
    }

    String out(String name) throws IOException {
        return Files.readString(logs.resolve(name + ".out"), StandardCharsets.UTF_8);
    }

    String err(String name) throws IOException {
        return Files.readString(logs.resolve(name + ".err"), StandardCharsets.UTF_8);
    }

    /** The last non-empty line of a child's standard output. */
    String lastLine(String name) throws IOException {
        List<String> lines = out(name).lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }

    /** Waits until a child's standard output contains {@code text}; the failure shows the child's stderr. */
    void awaitOutput(String name, String text, long timeoutSeconds) {
        await(name + " prints '" + text + "'").atMost(Duration.ofSeconds(timeoutSeconds))
                .pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertThat(out(name)).as("stderr of %s: %s", name, err(name)).contains(text));
    }

    /**
     * SIGTERM, then SIGKILL after the grace period; every child, newest first. What a child started and left
     * running when it ended (a guest agent of a coordinator that had to be killed) gets SIGKILL too.
     */
    @Override
    public void close() throws InterruptedException {
        for (int i = started.size() - 1; i >= 0; i--) {
            Process process = started.get(i);
            if (process.isAlive()) {
                List<ProcessHandle> descendants = process.descendants().toList();
                process.destroy();
                if (!process.waitFor(20, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
                for (ProcessHandle left : descendants) {
                    if (left.isAlive()) {
                        left.destroyForcibly();
                    }
                }
            }
        }
    }
}
