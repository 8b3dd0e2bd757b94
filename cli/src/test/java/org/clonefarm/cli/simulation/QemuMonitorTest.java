package org.clonefarm.cli.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The QMP socket's address must fit a unix socket's: a deep work directory's sockets go to a short directory; a path
 * still too long is refused with the path, before QEMU starts.
 */
class QemuMonitorTest {

    @Test
    void aQmpSocketPathLongerThanAUnixSocketAddressIsRefusedWithThePath() {
        Path fits = Path.of("/tmp/data/run/guests/LINUX001.qmp");
        Path tooLong = Path.of("/tmp/" + "d".repeat(QemuMonitor.MAX_SOCKET_PATH) + "/LINUX001.qmp");

        assertThatCode(() -> QemuMonitor.checkPath(fits)).doesNotThrowAnyException();
        assertThatThrownBy(() -> QemuMonitor.checkPath(tooLong)).isInstanceOf(GuestRuntimeException.class)
                .hasMessageContaining(tooLong.toString()).hasMessageContaining("shorter --data path");
    }

    /** A deep work directory keeps its sockets in a short directory of its own under java.io.tmpdir. */
    @Test
    void aWorkDirectoryTooDeepForASocketGetsAShortDirectoryOfItsOwn() {
        Path shallow = Path.of("/tmp/data/run/guests");
        Path deep = Path.of("/tmp/" + "d".repeat(QemuMonitor.MAX_SOCKET_PATH) + "/run/guests");
        Path otherDeep = Path.of("/tmp/" + "e".repeat(QemuMonitor.MAX_SOCKET_PATH) + "/run/guests");

        assertThat(QemuMonitor.socketPath(shallow, "LINUX001")).isEqualTo(shallow.resolve("LINUX001.qmp"));
        Path socket = QemuMonitor.socketPath(deep, "LINUX001");
        assertThatCode(() -> QemuMonitor.checkPath(socket)).doesNotThrowAnyException();
        assertThat(socket.getParent().getParent()).isEqualTo(Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath());
        assertThat(socket.getFileName()).hasToString("LINUX001.qmp");
        assertThat(QemuMonitor.socketPath(deep, "LINUX002").getParent()).as("one directory per work directory")
                .isEqualTo(socket.getParent());
        assertThat(QemuMonitor.socketPath(deep, "LINUX001")).as("the same every time").isEqualTo(socket);
        assertThat(QemuMonitor.socketPath(otherDeep, "LINUX001").getParent()).isNotEqualTo(socket.getParent());
    }
}
