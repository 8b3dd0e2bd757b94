package org.clonefarm.cli.simulation;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The QMP socket's address must fit a unix socket's; a longer one is refused with the path, before QEMU starts. */
class QemuMonitorTest {

    @Test
    void aQmpSocketPathLongerThanAUnixSocketAddressIsRefusedWithThePath() {
        Path fits = Path.of("/tmp/data/run/guests/LINUX001.qmp");
        Path tooLong = Path.of("/tmp/" + "d".repeat(QemuMonitor.MAX_SOCKET_PATH) + "/LINUX001.qmp");

        assertThatCode(() -> QemuMonitor.checkPath(fits)).doesNotThrowAnyException();
        assertThatThrownBy(() -> QemuMonitor.checkPath(tooLong)).isInstanceOf(GuestRuntimeException.class)
                .hasMessageContaining(tooLong.toString()).hasMessageContaining("shorter --data path");
    }
}
