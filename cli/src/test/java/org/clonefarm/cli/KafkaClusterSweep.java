package org.clonefarm.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Leaves no broker process of a test behind: {@code kafka stop} on its data directory, then SIGKILL to
 * every process whose command line is a {@code kafka broker --data DIR} of that directory, whatever its
 * pid file says (a test that failed half-way may have left one without).
 */
final class KafkaClusterSweep {

    private KafkaClusterSweep() {
    }

    static void stopAndSweep(Path data) throws Exception {
        try {
            if (Files.exists(data.resolve("kafka").resolve("cluster.properties"))) {
                CapturedRun.of("kafka", "stop", "--data", data.toString(), "--timeout", "30");
            }
        } finally {
            for (ProcessHandle process : brokersOf(data)) {
                process.destroyForcibly();
                process.onExit().get(20, TimeUnit.SECONDS);
            }
        }
    }

    /** The live processes running {@code kafka broker --data DATA}. */
    static List<ProcessHandle> brokersOf(Path data) {
        List<String> wanted = List.of("broker", "--data", data.toAbsolutePath().normalize().toString());
        List<ProcessHandle> found = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(process -> {
            try {
                byte[] raw = Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline"));
                List<String> arguments = Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
                if (Collections.indexOfSubList(arguments, wanted) >= 0 && process.isAlive()) {
                    found.add(process);
                }
            } catch (IOException e) {
                // ended meanwhile, or not ours to read
            }
        });
        return found;
    }
}
