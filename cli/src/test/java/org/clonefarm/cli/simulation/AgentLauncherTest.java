package org.clonefarm.cli.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The agent launcher runs the guest's own jar bytes and shares one class-data archive among its runs. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AgentLauncherTest {
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

    /** The first run writes the archive, runs meanwhile go without, and every later run maps the agent's classes from it. */
    @Test
    void firstRunWritesTheArchiveAndLaterRunsLoadTheAgentsClassesFromIt() throws Exception {
        AgentLauncher launcher = new AgentLauncher(dir.resolve("cache"));
        Path linux001 = guestJar("linux001", agentJar());
        Path linux002 = guestJar("linux002", agentJar());

        AgentLauncher.Launch first = launcher.launch(linux001);
        AgentLauncher.Launch meanwhile = launcher.launch(linux002);
        assertThat(first.archiveBeingWritten()).isNotNull();
        assertThat(first.command()).anyMatch(a -> a.startsWith("-XX:ArchiveClassesAtExit="));
        assertThat(meanwhile.archiveBeingWritten()).isNull();
        assertThat(meanwhile.command()).noneMatch(a -> a.startsWith("-XX:SharedArchiveFile=") || a.startsWith("-XX:ArchiveClassesAtExit="));
        Path cachedJar = Path.of(first.command().get(first.command().size() - 1));
        assertThat(Files.mismatch(cachedJar, linux001)).as("the cached jar holds the guest's bytes").isEqualTo(-1);

        run(first.command(), "keys");
        launcher.finished(first, 0);
        launcher.finished(meanwhile, 0);
        Path archive = cachedJar.resolveSibling(AgentLauncher.ARCHIVE);
        assertThat(archive).isRegularFile();
        assertThat(first.archiveBeingWritten()).doesNotExist();

        AgentLauncher.Launch later = launcher.launch(linux002);
        assertThat(later.command()).contains("-XX:SharedArchiveFile=" + archive);
        List<String> logged = new ArrayList<>(later.command());
        logged.add(logged.size() - 2, "-Xlog:class+load=info");
        String out = run(logged, "keys");
        assertThat(out).as("agent classes come from the archive")
                .containsPattern("org\\.clonefarm\\.agent\\.\\S+ source: shared objects file");
    }

    /** A clone whose jar differs from the master's runs its own bytes, from a cache entry of its own. */
    @Test
    void aGuestWithADifferentJarRunsItsOwnBytes() throws Exception {
        AgentLauncher launcher = new AgentLauncher(dir.resolve("cache"));
        Path master = guestJar("linux001", agentJar());
        Path changed = dir.resolve("changed.jar");
        Files.copy(agentJar(), changed);
        Files.write(changed, new byte[] {0}, java.nio.file.StandardOpenOption.APPEND);
        Path other = guestJar("linux002", changed);

        Path masterCached = Path.of(last(launcher.launch(master).command()));
        Path otherCached = Path.of(last(launcher.launch(other).command()));

        assertThat(otherCached.getParent()).isNotEqualTo(masterCached.getParent());
        assertThat(Files.mismatch(otherCached, other)).isEqualTo(-1);
        assertThat(Files.mismatch(masterCached, master)).isEqualTo(-1);
    }

    /** A jar as long as a cached one but with other bytes is not taken for it: it runs from an entry of its own. */
    @Test
    void aJarOfTheSameLengthWithOtherBytesGetsAnEntryOfItsOwn() throws Exception {
        AgentLauncher launcher = new AgentLauncher(dir.resolve("cache"));
        Path master = guestJar("linux001", agentJar());
        byte[] bytes = Files.readAllBytes(agentJar());
        bytes[bytes.length / 2] ^= 1;
        Path changed = dir.resolve("changed.jar");
        Files.write(changed, bytes);
        Path other = guestJar("linux002", changed);
        Path same = guestJar("linux003", agentJar());

        Path masterCached = Path.of(last(launcher.launch(master).command()));
        Path otherCached = Path.of(last(launcher.launch(other).command()));
        Path sameCached = Path.of(last(launcher.launch(same).command()));

        assertThat(otherCached.getParent()).isNotEqualTo(masterCached.getParent());
        assertThat(Files.mismatch(otherCached, other)).isEqualTo(-1);
        assertThat(sameCached).isEqualTo(masterCached);
    }

    /** A run that fails while writing the archive publishes nothing, and the next run tries again. */
    @Test
    void failedArchivingRunLeavesNoArchiveAndTheNextRunTriesAgain() throws Exception {
        AgentLauncher launcher = new AgentLauncher(dir.resolve("cache"));
        Path jar = guestJar("linux001", agentJar());
        AgentLauncher.Launch failed = launcher.launch(jar);
        Files.writeString(failed.archiveBeingWritten(), "half an archive");

        launcher.finished(failed, 1);

        assertThat(failed.archiveBeingWritten()).doesNotExist();
        assertThat(Path.of(last(failed.command())).resolveSibling(AgentLauncher.ARCHIVE)).doesNotExist();
        assertThat(launcher.launch(jar).archiveBeingWritten()).isNotNull();
    }

    private static String last(List<String> command) {
        return command.get(command.size() - 1);
    }
}
