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
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a copying JVM with SIGKILL at random moments and restarts it: the copy must end byte-identical,
 * every restart must skip what was checkpointed, and no restart may re-copy more than the crash bound.
 */
class CrashResumeTest {
    private static final int MIB = 1024 * 1024;
    private static final long SIZE = 256L * MIB;
    private static final int CHUNK = MIB;
    private static final long FORCE_BYTES = 8L * MIB;
    private static final int IN_FLIGHT = 2;
    private static final long BOUND = CopyOptions.defaults().withChunkSize(CHUNK).withForceBytes(FORCE_BYTES)
            .withMaxInFlight(IN_FLIGHT).crashBoundBytes();

    @TempDir
    Path dir;
    private Process child;
    private final AtomicLong progressReports = new AtomicLong();

    @AfterEach
    void killChild() throws InterruptedException {
        if (child != null && child.isAlive()) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    /** SIGKILL at least 5 times mid-copy: each restart resumes from its checkpoints and the result is exact. */
    @Test
    @Timeout(value = 150, unit = TimeUnit.SECONDS)
    void resumesAfterRepeatedKillsWithinTheCrashBound() throws Exception {
        Path src = TestDisks.randomFile(dir.resolve("master.img"), SIZE, 42);
        Path dst = dir.resolve("clone.img");
        Path checkpoints = dir.resolve("checkpoints");
        List<byte[]> sourceChunks = TestDisks.chunkDigests(src, 0, SIZE, CHUNK);
        Random random = new Random();
        int kills = 0;
        long checkpointedBefore = 0;
        String[] result = null;
        List<String> history = new ArrayList<>();

        for (int run = 0; result == null; run++) {
            assertThat(run).as("runs (history %s)", history).isLessThan(40);
            long checkpointed = 0;
            if (run > 0) {
                // what the killed run left: chunks on the target, and chunks its checkpoints claim
                List<byte[]> targetChunks = TestDisks.chunkDigests(dst, 0, SIZE, CHUNK);
                long present = 0;
                for (int i = 0; i < sourceChunks.size(); i++) {
                    present += Arrays.equals(sourceChunks.get(i), targetChunks.get(i)) ? CHUNK : 0;
                }
                try (CheckpointStore store = CheckpointStore.open(checkpoints)) {
                    for (Map.Entry<Long, byte[]> claim : store.load(CopyPlan.deriveCopyId(
                            org.clonefarm.platform.io.FileRegion.whole(src),
                            org.clonefarm.platform.io.FileRegion.whole(dst))).orElseThrow().chunkDigests().entrySet()) {
                        int index = claim.getKey().intValue();
                        assertThat(targetChunks.get(index)).as("checkpointed chunk %d is on the target", index)
                                .isEqualTo(sourceChunks.get(index)).isEqualTo(claim.getValue());
                        checkpointed += CHUNK;
                    }
                }
                history.add("restart " + run + ": on target " + present / MIB + " MiB, checkpointed "
                        + checkpointed / MIB + " MiB");
                assertThat(checkpointed).as("restart %d skips checkpointed bytes (%s)", run, history)
                        .isGreaterThan(checkpointedBefore);
                assertThat(present - checkpointed).as("bytes restart %d copies again (%s)", run, history)
                        .isLessThanOrEqualTo(BOUND);
            }
            checkpointedBefore = checkpointed;

            AtomicReference<String[]> finished = new AtomicReference<>();
            progressReports.set(0);
            child = startChild(src, dst, checkpoints);
            Thread reader = readOutput(child, finished, progressReports);
            if (kills < 8) {
                // after the run's first checkpoint (its first progress report), at a random moment:
                // writing, forcing or committing. An 8 MiB batch takes about 10 ms at the engine's speed
                // here, so 0-25 ms spans a few commit cycles and leaves room for at least 5 kills
                await("the copy's first progress report").atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
                        .pollInterval(Duration.ofMillis(1)).pollInSameThread()
                        .until(() -> !child.isAlive() || progressReports.get() > 0);
                Thread.sleep(random.nextInt(25)); // the moment of the kill is what this test varies, not a wait
                child.destroyForcibly(); // SIGKILL: no shutdown hook, no final checkpoint
            }
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
            reader.join(10_000);
            if (finished.get() != null) {
                assertThat(child.exitValue()).isZero();
                result = finished.get();
                assertThat(Long.parseLong(result[2])).as("last run skipped").isEqualTo(checkpointed);
            } else {
                kills++;
            }
        }

        System.out.println("crash bound " + BOUND / MIB + " MiB; " + kills + " kills; " + history);
        assertThat(kills).as("kills (history %s)", history).isGreaterThanOrEqualTo(5);
        assertThat(Files.mismatch(src, dst)).isEqualTo(-1);
        assertThat(result[3]).isEqualTo(TestDisks.diskDigest(src, 0, SIZE, CHUNK));
    }

    private static Process startChild(Path src, Path dst, Path checkpoints) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                CopyChildProcess.class.getName(), src.toString(), dst.toString(), checkpoints.toString(),
                String.valueOf(CHUNK), String.valueOf(FORCE_BYTES), String.valueOf(IN_FLIGHT))
                .redirectErrorStream(true).start();
    }

    private static Thread readOutput(Process process, AtomicReference<String[]> finished, AtomicLong reports) {
        Thread reader = new Thread(() -> {
            try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                    String[] words = line.split(" ");
                    if (words[0].equals("progress")) {
                        reports.incrementAndGet();
                    } else if (words[0].equals("result")) {
                        finished.set(words);
                    }
                }
            } catch (IOException e) {
                // the process was killed: its output ends here
            }
        }, "crash-test-child-output");
        reader.setDaemon(true);
        reader.start();
        return reader;
    }
}
