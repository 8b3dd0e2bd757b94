package org.clonefarm.worker.copy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.clonefarm.platform.io.FileRegion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a JVM copying one source to four targets at once (a fan-out) with SIGKILL at random moments and restarts it:
 * each target resumes from its own checkpoints, no restart copies again more than the crash bound on any target, and
 * every target ends byte-identical with the digest of a single copy.
 */
class FanOutCrashResumeTest {
    private static final int MIB = 1024 * 1024;
    private static final long SIZE = 128L * MIB;
    private static final int TARGETS = 4;
    private static final int CHUNK = MIB;
    private static final long FORCE_BYTES = 8L * MIB;
    private static final int IN_FLIGHT = 2;
    private static final long BOUND = CopyOptions.defaults().withChunkSize(CHUNK).withForceBytes(FORCE_BYTES)
            .withMaxInFlight(IN_FLIGHT).crashBoundBytes();

    @TempDir
    Path dir;
    private Process child;

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGKILL at least 5 times mid-fan-out: every target resumes where it stopped, within the bound, and is exact. */
    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void everyTargetResumesAfterRepeatedKillsWithinTheCrashBound() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("master.img"), SIZE, 42);
        List<Path> targets = new ArrayList<>();
        for (int i = 0; i < TARGETS; i++) {
            targets.add(dir.resolve("clone" + i + ".img"));
        }
        Path checkpoints = dir.resolve("checkpoints");
        List<byte[]> sourceChunks = TestDisks.chunkDigests(src, 0, SIZE, CHUNK);
        Random random = new Random();
        int kills = 0;
        long[] checkpointedBefore = new long[TARGETS];
        Map<Integer, String[]> results = new ConcurrentHashMap<>();
        List<String> history = new ArrayList<>();

        for (int run = 0; results.size() < TARGETS; run++) {
            assertThat(run).as("runs (history %s)", history).isLessThan(40);
            long[] checkpointed = new long[TARGETS];
            if (run > 0) {
                StringBuilder line = new StringBuilder("restart " + run + ":");
                try (CheckpointStore store = CheckpointStore.open(checkpoints)) {
                    for (int t = 0; t < TARGETS; t++) {
                        // what the killed run left on this target, and what its checkpoints claim
                        List<byte[]> targetChunks = TestDisks.chunkDigests(targets.get(t), 0, SIZE, CHUNK);
                        long present = 0;
                        for (int i = 0; i < sourceChunks.size(); i++) {
                            present += Arrays.equals(sourceChunks.get(i), targetChunks.get(i)) ? CHUNK : 0;
                        }
                        var claims = store.load(CopyPlan.deriveCopyId(FileRegion.whole(src),
                                FileRegion.whole(targets.get(t))));
                        for (Map.Entry<Long, byte[]> claim : claims.map(c -> c.chunkDigests().entrySet())
                                .orElse(Map.<Long, byte[]>of().entrySet())) {
                            int index = claim.getKey().intValue();
                            assertThat(targetChunks.get(index)).as("checkpointed chunk %d is on target %d", index, t)
                                    .isEqualTo(sourceChunks.get(index)).isEqualTo(claim.getValue());
                            checkpointed[t] += CHUNK;
                        }
                        line.append(" target ").append(t).append(' ').append(present / MIB).append(" MiB on it, ")
                                .append(checkpointed[t] / MIB).append(" checkpointed;");
                        assertThat(checkpointed[t]).as("target %d keeps its checkpoints (%s)", t, history)
                                .isGreaterThanOrEqualTo(checkpointedBefore[t]);
                        assertThat(present - checkpointed[t]).as("bytes restart %d copies again on target %d (%s)",
                                run, t, history).isLessThanOrEqualTo(BOUND);
                    }
                }
                history.add(line.toString());
                assertThat(Arrays.stream(checkpointed).sum()).as("restart %d skips more than the one before (%s)", run,
                        history).isGreaterThan(Arrays.stream(checkpointedBefore).sum());
            }
            checkpointedBefore = checkpointed;

            results.clear();
            AtomicLong progressReports = new AtomicLong();
            child = startChild(src, checkpoints, targets);
            Thread reader = readOutput(child, results, progressReports, checkpointed);
            if (kills < 8) {
                // after a random number (1 to 3) of the run's progress reports (each follows a durable checkpoint of
                // a target; a target that was done reports too, with nothing new), while the copies write the next
                // chunks: the point of the copy where it dies is what this test varies
                int reports = 1 + random.nextInt(3);
                await("the fan-out's progress report " + reports).atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(1)).pollInSameThread()
                        .until(() -> !child.isAlive() || progressReports.get() >= reports);
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no final checkpoint
            }
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
            if (results.size() == TARGETS) {
                assertThat(child.exitValue()).isZero();
                for (int t = 0; t < TARGETS; t++) {
                    assertThat(Long.parseLong(results.get(t)[3])).as("last run skipped on target %d", t)
                            .isEqualTo(checkpointed[t]);
                }
            } else {
                kills++;
                results.clear();
            }
        }

        System.out.println("crash bound " + BOUND / MIB + " MiB per target; " + kills + " kills; " + history);
        assertThat(kills).as("kills (history %s)", history).isGreaterThanOrEqualTo(5);
        String single = TestDisks.diskDigest(src, 0, SIZE, CHUNK);
        for (int t = 0; t < TARGETS; t++) {
            assertThat(Files.mismatch(src, targets.get(t))).as("target %d", t).isEqualTo(-1);
            assertThat(results.get(t)[4]).as("digest of target %d", t).isEqualTo(single);
        }
    }

    private static Process startChild(Path src, Path checkpoints, List<Path> targets) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                FanOutChildProcess.class.getName(), src.toString(), checkpoints.toString(), String.valueOf(CHUNK),
                String.valueOf(FORCE_BYTES), String.valueOf(IN_FLIGHT)));
        targets.forEach(t -> command.add(t.toString()));
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Reads the child's lines; counts in {@code reports} the progress reports beyond a target's {@code checkpointed}. */
    private static Thread readOutput(Process process, Map<Integer, String[]> results, AtomicLong reports,
            long[] checkpointed) {
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    String[] words = line.split(" ");
                    if (words[0].equals("progress")) {
                        if (Long.parseLong(words[2]) > checkpointed[Integer.parseInt(words[1])]) {
                            reports.incrementAndGet();
                        }
                    } else if (words[0].equals("result")) {
                        results.put(Integer.parseInt(words[1]), words);
                    }
                }
            } catch (IOException e) {
                // the process was killed: its output ends here
            }
        }, "fan-out-crash-test-child-output");
        reader.setDaemon(true);
        reader.start();
        return reader;
    }
}
