package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.clonefarm.cli.console.Invocation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a person sees of {@code clonefarm demo}: in a pipe only the demo's own lines (what starts, plain progress
 * lines, the summary), on a terminal a progress line redrawn in place, with {@code --verbose} the log as well; the
 * detail (our INFO lines, the libraries' warnings, CP's console messages) is always in
 * {@code DATA/logs/clonefarm-demo.log}. Each test runs the real demo as a child process on a fresh data directory.
 */
@Timeout(value = 10, unit = TimeUnit.MINUTES)
class DemoConsoleTest {
    /** A level word as log lines carry it ({@code 12:00:01.234 INFO PollLoop - ...}). */
    private static final Pattern LOG_LEVEL = Pattern.compile("\\b(TRACE|DEBUG|INFO|WARN|ERROR)\\b");
    private static final String ERASE_LINE = "\r\u001b[K";

    /** In a pipe: no log line, the summary, a hint as the launcher was typed, and the detail in the log file. */
    @Test
    void inAPipeTheDemoPrintsItsOwnLinesOnlyAndLogsTheDetail(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("out"))) {
            int exit = clonefarm.run("demo", 420, List.of("-D" + Invocation.PROPERTY + "=bin/clonefarm"),
                    "demo", "--clones", "3", "--data", data.toString(), "--timeout", "360");
            String out = clonefarm.out("demo");
            String err = clonefarm.err("demo");
            assertThat(exit).as(err).isZero();

            assertThat(out + err).doesNotContainPattern(LOG_LEVEL).doesNotContain("AUTO LOGON").doesNotContain("\r")
                    .doesNotContain("\u001b");
            Pattern progress = Pattern.compile("demo-\\d{8}-\\d{6} \\d+% .* \\| [0-3]/3 finished");
            assertThat(err.lines()).as(err).allMatch(line -> line.startsWith("clonefarm demo: ")
                    || progress.matcher(line).matches());
            assertThat(err.lines()).as(err).anyMatch(line -> progress.matcher(line).matches() && line.endsWith("3/3 finished"));
            Path log = data.resolve("logs").resolve("clonefarm-demo.log");
            assertThat(err).contains("clonefarm demo: log in " + log, "clonefarm demo: coordinator started: dashboard http://",
                    "clonefarm demo: submitted demo-");
            assertThat(out).containsPattern("batch demo-\\S+: 3 of 3 clones READY in ")
                    .containsPattern("check it: bin/clonefarm verify demo-\\S+ --data " + Pattern.quote(data.toString()));

            assertThat(Files.readString(log)).contains("PollLoop - copying clone LINUX001 attempt 1",
                    "CloneJob - clone LINUX003 attempt 1 copied", "AUTO LOGON  ***  LINUX002",
                    "EmbeddedKafka - embedded Kafka broker in " + data.resolve("kafka") + " stopped");
        }
    }

    /** On a terminal (a pseudo-terminal from script(1)): the progress line is redrawn in place, no log line shows. */
    @Test
    void onATerminalTheProgressLineIsRedrawnInPlace(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        Path transcript = dir.resolve("terminal.out");
        String command = ChildProcesses.command(List.of(), "demo", "--clones", "1", "--data", data.toString(),
                "--timeout", "360").stream().map(DemoConsoleTest::shellQuoted).collect(Collectors.joining(" "));
        Process script = new ProcessBuilder("script", "--quiet", "--flush", "--return", "--command", command, "/dev/null")
                .redirectInput(new File("/dev/null")).redirectErrorStream(true).redirectOutput(transcript.toFile()).start();
        try {
            assertThat(script.waitFor(420, TimeUnit.SECONDS)).as("the demo ends within 420 s").isTrue();
        } finally {
            script.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        String shown = Files.readString(transcript, StandardCharsets.UTF_8);
        assertThat(script.exitValue()).as(shown).isZero();

        assertThat(shown.split(Pattern.quote(ERASE_LINE + "["), -1).length - 1).as("progress lines drawn: %s", shown)
                .isGreaterThanOrEqualTo(2);
        assertThat(shown).contains(ERASE_LINE + "[####################] 100%  1/1 finished  READY 1");
        assertThat(shown).doesNotContainPattern(LOG_LEVEL).doesNotContain("AUTO LOGON");
        assertThat(shown).containsPattern("\nbatch demo-\\S+: 1 of 1 clones READY in ");
        assertThat(data.resolve("logs").resolve("clonefarm-demo.log")).content().contains("AUTO LOGON  ***  LINUX001");
    }

    /** With --verbose the log's lines come to the terminal too, between the demo's own. */
    @Test
    void verboseShowsTheLogLinesToo(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        try (ChildProcesses clonefarm = new ChildProcesses(dir.resolve("out"))) {
            int exit = clonefarm.run("demo", 420, "demo", "--clones", "1", "--data", data.toString(), "--timeout", "360",
                    "--verbose");
            String err = clonefarm.err("demo");
            assertThat(exit).as(err).isZero();

            assertThat(err).containsPattern("\\d{2}:\\d{2}:\\d{2}\\.\\d{3} INFO  \\[[^]]+\\] PollLoop - copying clone LINUX001")
                    .contains("AUTO LOGON  ***  LINUX001", "clonefarm demo: submitted demo-");
            assertThat(clonefarm.out("demo")).containsPattern("batch demo-\\S+: 1 of 1 clones READY in ");
            assertThat(data.resolve("logs").resolve("clonefarm-demo.log")).content()
                    .contains("PollLoop - copying clone LINUX001");
        }
    }

    private static String shellQuoted(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }
}
