package org.clonefarm.cli.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The agent launcher runs the guest's own jar bytes and shares one class-data archive among its runs. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AgentLauncherTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final BooleanSupplier NEVER = () -> false;

    @TempDir
    Path dir;

    private static Path agentJar() {
        Path jar = Path.of(System.getProperty("clonefarm.agent.jar", "../guest-agent/target/clonefarm-agent.jar"));
        assertThat(jar).as("the guest agent jar; build it first: ./mvnw -B -q package -DskipTests -pl guest-agent -am")
                .isRegularFile();
        return jar;
    }

    private Path guestJar(String guest, Path from) throws IOException {
        Path jar = dir.resolve(guest).resolve("opt/clonefarm/clonefarm-agent.jar");
        Files.createDirectories(jar.getParent());
        return Files.copy(from, jar);
    }

    /** Runs the command with extra arguments; returns its output; asserts exit 0. */
    private static String run(List<String> command, String... more) throws Exception {
        List<String> argv = new ArrayList<>(command);
        argv.addAll(List.of(more));
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        try {
            String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as(out).isZero();
            return out;
        } finally {
            process.destroyForcibly();
        }
    }

    /** The first run writes the archive, a run launched meanwhile waits for it, and every later run maps the agent's classes from it. */
    @Test
    void firstRunWritesTheArchiveAndLaterRunsLoadTheAgentsClassesFromIt() throws Exception {
        AgentLauncher launcher = new AgentLauncher(dir.resolve("cache"), WAIT);
        Path linux001 = guestJar("linux001", agentJar());
        Path linux002 = guestJar("linux002", agentJar());

        AgentLauncher.Launch first = launcher.launch(linux001, NEVER);
        CompletableFuture<AgentLauncher.Launch> meanwhile = Waiting.start(launcher, linux002, NEVER).launch();
        assertThat(first.archiveBeingWritten()).isNotNull();
        assertThat(first.command()).anyMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit="));
        Path cachedJar = Path.of(first.command().get(first.command().size() - 1));
        assertThat(Files.mismatch(cachedJar, linux001)).as("the cached jar holds the guest's bytes").isEqualTo(-1);

        run(first.command(), "keys");
        assertThat(meanwhile).as("the second launch waits while the archive is written").isNotDone();
        launcher.finished(first, 0);
        Path archive = cachedJar.resolveSibling(AgentLauncher.ARCHIVE);
        assertThat(archive).isRegularFile();
        assertThat(first.archiveBeingWritten()).doesNotExist();
        AgentLauncher.Launch waited = meanwhile.get(30, TimeUnit.SECONDS);
        assertThat(waited.archiveBeingWritten()).isNull();
        assertThat(waited.command()).contains("-XX:SharedArchiveFile=" + archive);
        launcher.finished(waited, 0);

        AgentLauncher.Launch later = launcher.launch(linux002, NEVER);
        assertThat(later.command()).contains("-XX:SharedArchiveFile=" + archive);
        List<String> logged = new ArrayList<>(later.command());
        logged.add(logged.size() - 2, "-Xlog:class+load=info");
        String out = run(logged, "keys");
        assertThat(out).as("agent classes come from the archive")
                .containsPattern("org\\.clonefarm\\.agent\\.\\S+ source: shared objects file");
    }

    /** A launch waiting for the archive stops waiting when its boot is halted, and runs without the archive. */
    @Test
    void aHaltedBootStopsWaitingForTheArchive() throws Exception {
        AgentLauncher launcher = new AgentLauncher(dir.resolve("cache"), WAIT);
        AgentLauncher.Launch writer = launcher.launch(guestJar("linux001", agentJar()), NEVER);
        AtomicBoolean halted = new AtomicBoolean();
        Path linux002 = guestJar("linux002", agentJar());
        CompletableFuture<AgentLauncher.Launch> waiting = Waiting.start(launcher, linux002, halted::get).launch();

        halted.set(true);
        launcher.wakeWaiters();

        AgentLauncher.Launch without = waiting.get(10, TimeUnit.SECONDS);
        assertThat(without.archiveBeingWritten()).isNull();
        assertThat(without.command()).noneMatch(a -> a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-XX:ArchiveClassesAtExit="));
        launcher.finished(writer, 1);
    }

    /** A clone whose jar differs from the master's runs its own bytes, from a cache entry of its own. */
    @Test
    void aGuestWithADifferentJarRunsItsOwnBytes() throws Exception {
        AgentLauncher launcher = new AgentLauncher(dir.resolve("cache"), WAIT);
        Path master = guestJar("linux001", agentJar());
        Path changed = dir.resolve("changed.jar");
        Files.copy(agentJar(), changed);
        Files.write(changed, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
        Path other = guestJar("linux002", changed);

        Path masterCached = Path.of(last(launcher.launch(master, NEVER).command()));
        Path otherCached = Path.of(last(launcher.launch(other, NEVER).command()));

        assertThat(otherCached.getParent()).isNotEqualTo(masterCached.getParent());
        assertThat(Files.mismatch(otherCached, other)).isEqualTo(-1);
        assertThat(Files.mismatch(masterCached, master)).isEqualTo(-1);
    }

    /** A jar as long as a cached one but with other bytes is not taken for it: it runs from an entry of its own. */
    @Test
    void aJarOfTheSameLengthWithOtherBytesGetsAnEntryOfItsOwn() throws Exception {
        AgentLauncher launcher = new AgentLauncher(dir.resolve("cache"), WAIT);
        Path master = guestJar("linux001", agentJar());
        byte[] bytes = Files.readAllBytes(agentJar());
        bytes[bytes.length / 2] ^= 1;
        Path changed = dir.resolve("changed.jar");
        Files.write(changed, bytes);
        Path other = guestJar("linux002", changed);
        Path same = guestJar("linux003", agentJar());

        Path masterCached = launchAndEnd(launcher, master);
        Path otherCached = launchAndEnd(launcher, other);
        Path sameCached = launchAndEnd(launcher, same);

        assertThat(otherCached.getParent()).isNotEqualTo(masterCached.getParent());
        assertThat(Files.mismatch(otherCached, other)).isEqualTo(-1);
        assertThat(sameCached).isEqualTo(masterCached);
    }

    /** A run that fails while writing the archive publishes nothing, and the next run tries again. */
    @Test
    void failedArchivingRunLeavesNoArchiveAndTheNextRunTriesAgain() throws Exception {
        AgentLauncher launcher = new AgentLauncher(dir.resolve("cache"), WAIT);
        Path jar = guestJar("linux001", agentJar());
        AgentLauncher.Launch failed = launcher.launch(jar, NEVER);
        Files.writeString(failed.archiveBeingWritten(), "half an archive");

        launcher.finished(failed, 1);

        assertThat(failed.archiveBeingWritten()).doesNotExist();
        assertThat(Path.of(last(failed.command())).resolveSibling(AgentLauncher.ARCHIVE)).doesNotExist();
        assertThat(launcher.launch(jar, NEVER).archiveBeingWritten()).isNotNull();
    }

    /** A launch on a thread of its own, and the thread, so that a test can see it wait. */
    private record Waiting(Thread thread, CompletableFuture<AgentLauncher.Launch> launch) {
        static Waiting start(AgentLauncher launcher, Path jar, BooleanSupplier stop) {
            CompletableFuture<AgentLauncher.Launch> result = new CompletableFuture<>();
            Thread thread = new Thread(() -> {
                try {
                    result.complete(launcher.launch(jar, stop));
                } catch (IOException | RuntimeException e) {
                    result.completeExceptionally(e);
                }
            }, "waiting-launch");
            thread.start();
            await().atMost(Duration.ofSeconds(30)).until(() -> thread.getState() == Thread.State.TIMED_WAITING);
            return new Waiting(thread, result);
        }
    }

    /** The cached jar a launch of {@code jar} runs; the launch is ended at once, as a run that failed. */
    private static Path launchAndEnd(AgentLauncher launcher, Path jar) throws IOException {
        AgentLauncher.Launch launch = launcher.launch(jar, NEVER);
        launcher.finished(launch, 1);
        return Path.of(last(launch.command()));
    }

    private static String last(List<String> command) {
        return command.get(command.size() - 1);
    }
}
