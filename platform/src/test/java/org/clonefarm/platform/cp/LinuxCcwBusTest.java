package org.clonefarm.platform.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.clonefarm.platform.cp.CcwBus.CcwException;
import org.clonefarm.platform.ids.Vaddr;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Linux channel subsystem through s390-tools, with small executables standing in for cio_ignore,
 * chccwdev and udevadm (which do not exist on x86): they record their arguments and, as udev does,
 * create or remove the by-path link.
 */
@Timeout(60)
class LinuxCcwBusTest {

    static final Vaddr VDEV = Vaddr.of("1200");

    @TempDir
    Path dir;
    Path calls;
    Path byPath;
    LinuxCcwBus bus;

    @BeforeEach
    void fakeTools() throws IOException {
        calls = dir.resolve("calls.log");
        byPath = Files.createDirectories(dir.resolve("by-path"));
        script("cio_ignore", "echo \"cio_ignore $*\" >> " + calls);
        // chccwdev: devices 0.0.12xx exist; -e links the device (0.0.1201 only after a while, as a slow udev does;
        // 0.0.1202 never, as when udev has no rule for it)
        script("chccwdev", """
                echo "chccwdev $*" >> %s
                case "$2" in 0.0.12*) ;; *) echo "Device $2 not found"; exit 1;; esac
                case "$1" in
                  -e) case "$2" in
                        0.0.1201) (sleep 1; ln -s /dev/null %s/ccw-$2) & ;;
                        0.0.1202) ;;
                        *) ln -s /dev/null %s/ccw-$2 ;;
                      esac
                      echo "Setting device $2 online"; echo Done;;
                  -d) rm -f %s/ccw-$2; echo "Setting device $2 offline"; echo Done;;
                esac
                """.formatted(calls, byPath, byPath, byPath));
        script("udevadm", "echo \"udevadm $*\" >> " + calls);
        bus = new LinuxCcwBus(LinuxCcwBus.Settings.defaults()
                .withTools(dir.resolve("cio_ignore"), dir.resolve("chccwdev"), dir.resolve("udevadm"))
                .withByPathDirectory(byPath).withCommandTimeout(Duration.ofSeconds(5)));
    }

    private void script(String name, String body) throws IOException {
        Path file = dir.resolve(name);
        Files.writeString(file, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    private String calls() throws IOException {
        return Files.exists(calls) ? Files.readString(calls) : "";
    }

    /** Online takes the device off the ignore list, sets it online, waits for udev, and answers the by-path link. */
    @Test
    void onlineRunsTheToolsInOrderAndAnswersTheByPathLink() throws Exception {
        bus.unignore(VDEV);
        Path device = bus.online(VDEV, Duration.ofSeconds(10));

        assertThat(device).isEqualTo(byPath.resolve("ccw-0.0.1200"));
        assertThat(bus.isOnline(VDEV)).isTrue();
        assertThat(calls()).isEqualTo("cio_ignore -r 0.0.1200\nchccwdev -e 0.0.1200\nudevadm settle --timeout=5\n");

        bus.offline(VDEV);

        assertThat(bus.isOnline(VDEV)).isFalse();
        assertThat(calls()).endsWith("chccwdev -d 0.0.1200\nudevadm settle --timeout=5\n");
    }

    /** A by-path link that udev creates late is waited for. */
    @Test
    void onlineWaitsForALateByPathLink() throws Exception {
        assertThat(bus.online(Vaddr.of("1201"), Duration.ofSeconds(20))).exists();
    }

    /** No by-path link within the timeout is a retryable failure naming the link. */
    @Test
    void onlineWithoutByPathLinkTimesOutRetryable() {
        assertThatThrownBy(() -> bus.online(Vaddr.of("1202"), Duration.ofMillis(300))).isInstanceOfSatisfying(CcwException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("ccw-0.0.1202").contains("did not appear");
        });
    }

    /** chccwdev's "not found" is a non-retryable failure with the command, its exit code and its output. */
    @Test
    void missingDeviceFailsWithCommandExitCodeAndOutput() {
        assertThatThrownBy(() -> bus.online(Vaddr.of("300"), Duration.ofSeconds(5))).isInstanceOfSatisfying(CcwException.class, e -> {
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).contains("chccwdev -e 0.0.0300' exited with 1: Device 0.0.0300 not found");
        });
    }

    /** A tool that hangs is killed after the command timeout, and the step fails retryable. */
    @Test
    void hangingToolIsKilledAfterTheTimeout() throws Exception {
        script("udevadm", "sleep 30");
        LinuxCcwBus impatient = new LinuxCcwBus(bus.settings().withCommandTimeout(Duration.ofMillis(500)));

        assertThatThrownBy(() -> impatient.offline(VDEV)).isInstanceOfSatisfying(CcwException.class, e -> {
            assertThat(e.retryable()).isTrue();
            assertThat(e.getMessage()).contains("udevadm settle").contains("did not finish within 500 ms");
        });
    }

    /** A tool that is not installed is a non-retryable failure saying what to install. */
    @Test
    void missingToolSaysWhatToInstall() {
        LinuxCcwBus nothing = new LinuxCcwBus(bus.settings().withTools(dir.resolve("none"), dir.resolve("none"), dir.resolve("none")));

        assertThatThrownBy(() -> nothing.unignore(VDEV)).isInstanceOfSatisfying(CcwException.class, e -> {
            assertThat(e.retryable()).isFalse();
            assertThat(e.getMessage()).contains("install s390-tools");
        });
    }
}
