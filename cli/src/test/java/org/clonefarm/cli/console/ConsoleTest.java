package org.clonefarm.cli.console;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** What a long-running command's terminal shows: the progress in place on a terminal, plain lines in a pipe. */
class ConsoleTest {
    private static final String ERASE = "\r\u001b[K";
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final AtomicLong now = new AtomicLong();

    private Console console(boolean interactive, int width) {
        return new Console("clonefarm demo", new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), interactive, width, now::get);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    /** On a terminal each progress redraws the same line, and a line said meanwhile goes above it. */
    @Test
    void onATerminalProgressIsRedrawnInPlaceBelowWhatIsSaid() {
        Console console = console(true, 80);
        console.progress("[#...] 10%", "b 10%", "", false);
        console.progress("[##..] 20%", "b 20%", "", false);
        console.say("a worker started");
        console.progress("[###.] 30%", "b 30%", "", false);
        console.endProgress();

        assertThat(err()).isEqualTo(ERASE + "[#...] 10%" + ERASE + "[##..] 20%"
                + ERASE + "clonefarm demo: a worker started" + System.lineSeparator() + "[##..] 20%"
                + ERASE + "[###.] 30%" + System.lineSeparator());
    }

    /** A result on standard output first erases the progress line from the terminal, then draws it again. */
    @Test
    void onATerminalAResultErasesAndRedrawsTheProgress() {
        Console console = console(true, 80);
        console.progress("[#...] 10%", "b 10%", "", false);
        console.result("batch b: 3 of 3 clones READY");

        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("batch b: 3 of 3 clones READY" + System.lineSeparator());
        assertThat(err()).isEqualTo(ERASE + "[#...] 10%" + ERASE + "[#...] 10%");
    }

    /** The same progress twice is drawn once; a line wider than the terminal is cut one column short of it. */
    @Test
    void onATerminalAnUnchangedLineIsNotRedrawnAndALongOneIsClipped() {
        Console console = console(true, 20);
        console.progress("0123456789abcdefghijKLMN", "", "", false);
        console.progress("0123456789abcdefghijKLMN", "", "", false);

        assertThat(err()).isEqualTo(ERASE + "0123456789abcdefghi");
    }

    /** In a pipe: a plain line at most once per interval, only when more than the rate moved, and always the last. */
    @Test
    void inAPipeProgressIsAPlainLineAtAModestRate() {
        Console console = console(false, 0);
        console.progress("bar", "b 10% 5 MiB/s | COPYING 3", "5 MiB/s", false);
        now.addAndGet(TimeUnit.SECONDS.toNanos(1));
        console.progress("bar", "b 20% 6 MiB/s | COPYING 3", "6 MiB/s", false);
        now.addAndGet(TimeUnit.SECONDS.toNanos(Console.PLAIN_PROGRESS_INTERVAL_SECONDS));
        console.progress("bar", "b 10% 7 MiB/s | COPYING 3", "7 MiB/s", false);
        console.progress("bar", "b 30% 7 MiB/s | COPYING 3", "7 MiB/s", false);
        now.addAndGet(TimeUnit.SECONDS.toNanos(Console.PLAIN_PROGRESS_INTERVAL_SECONDS));
        console.progress("bar", "b 30% 7 MiB/s | COPYING 3", "7 MiB/s", false);
        console.progress("bar", "b 100% 0 B/s | READY 3", "0 B/s", true);
        console.endProgress();

        assertThat(err().lines()).containsExactly("b 10% 5 MiB/s | COPYING 3", "b 30% 7 MiB/s | COPYING 3",
                "b 100% 0 B/s | READY 3");
        assertThat(err()).doesNotContain("\r").doesNotContain("\u001b");
    }

    /** A problem is one sentence: the first line of the message, marked warning or error. */
    @Test
    void aProblemShowsOnlyTheFirstLineOfItsMessage() {
        Console console = console(false, 0);
        console.problem(false, "the guest of LINUX003 failed: mount: wrong fs type\n  more detail\n");
        console.problem(true, "cannot release /mnt/x: busy");

        assertThat(err().lines()).containsExactly("clonefarm demo: warning: the guest of LINUX003 failed: mount: wrong fs type",
                "clonefarm demo: error: cannot release /mnt/x: busy");
    }
}
