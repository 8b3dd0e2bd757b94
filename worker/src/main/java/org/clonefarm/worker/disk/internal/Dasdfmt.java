package org.clonefarm.worker.disk.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs s390-tools' {@code dasdfmt -b 4096 -y -f DEVICE}: a full low-level format of an ECKD disk with
 * 4 KiB blocks (the compatible disk layout), which a block copy of a CDL source needs on its target. It
 * writes every track and takes minutes on a large disk; its output lines are handed on as progress.
 * Never through a shell. Thread-safe (each call runs its own process).
 */
public final class Dasdfmt {
    private static final int KEEP_LINES = 5;
    private final String executable;

    /** @param executable {@code dasdfmt} (looked up on PATH) or a path */
    public Dasdfmt(String executable) {
        this.executable = executable;
    }

    /** The command line, for messages and tests. */
    public List<String> command(Path device) {
        return List.of(executable, "-b", "4096", "-y", "-f", device.toString());
    }

    /**
     * Formats {@code device}; returns when dasdfmt exited 0.
     *
     * @throws IOException with dasdfmt's exit code and last lines when it failed or could not run
     * @throws InterruptedException when interrupted (dasdfmt is killed first)
     */
    public void format(Path device, Consumer<String> progress) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command(device)).redirectErrorStream(true).start();
        Deque<String> last = new ArrayDeque<>();
        try {
            process.getOutputStream().close();
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    progress.accept(line.strip());
                    last.addLast(line.strip());
                    if (last.size() > KEEP_LINES) {
                        last.removeFirst();
                    }
                }
            }
            int exit = process.waitFor();
            if (exit != 0) {
                throw new IOException(String.join(" ", command(device)) + " exited with " + exit
                        + (last.isEmpty() ? "" : ": " + String.join(" / ", last)));
            }
        } finally {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }
}
