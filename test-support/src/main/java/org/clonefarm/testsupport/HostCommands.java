package org.clonefarm.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs host tools (losetup, mkfs, mount) for tests that need real devices; root needed, as in CI. */
public final class HostCommands {
    private HostCommands() {
    }

    /** Runs {@code command} (no shell), 60 s at most; its output, or an IOException with the output when it fails. */
    public static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                throw new IOException(String.join(" ", command) + " did not finish in 60 s");
            }
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed (" + process.exitValue() + "): " + output.strip());
            }
            return output;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted running " + String.join(" ", command), e);
        } finally {
            process.destroyForcibly();
        }
    }

    /** The lines of {@code losetup --list --noheadings --output NAME,BACK-FILE}: every loop device and its file. */
    public static List<String> loopDevices() throws IOException {
        return run("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE").lines().filter(l -> !l.isBlank()).toList();
    }
}
