package org.clonefarm.testsupport;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.clonefarm.platform.io.HostTool;

/**
 * Shorthands over platform's {@link HostTool} for tests that run host tools (mknod, mount, losetup); root
 * needed, as in CI. Stateless and thread-safe.
 */
public final class HostCommands {
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    private HostCommands() {
    }

    /** Runs {@code command} (no shell), 60 s at most; its standard output, or an IOException saying how it failed. */
    public static String run(String... command) throws IOException {
        return HostTool.checkOutput(List.of(command), TIMEOUT);
    }

    /** The lines of {@code losetup --list --noheadings --output NAME,BACK-FILE}: every loop device and its file. */
    public static List<String> loopDevices() throws IOException {
        return run("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE").lines().filter(l -> !l.isBlank()).toList();
    }
}
