package org.clonefarm.platform.simulation.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import java.nio.file.Path;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.FileRegion;
import org.junit.jupiter.api.Test;

/** The state file's text round-trips, and a state knows whether it was changed since it was read or copied. */
class CpStateTest {

    static final Path ROOT = Path.of("/srv/clonefarm-data");
    static final String TEXT = """
            clonefarm-cp-state 1
            LOGON LINUX001 4711 1718000000000
            LINK LINUX001 0200 LINUX001 0200 MR R/W 3390 LX0001 737280 36864000 volumes/LX0001.img
            LINK WORKER1 1200 LNXMSTR 0200 RR R/O 3390 LX0000 8110080 73728000 volumes/LX0000.img
            LINK WORKER1 1201 LNXMSTR 0201 RR R/O 3390 LX0000 0 737280 /elsewhere/LX0009.img
            """;

    static CpState.Link link(String user, String vdev) {
        return new CpState.Link(Userid.of(user), Vaddr.of(vdev), Userid.of("LNXMSTR"), Vaddr.of("0200"), LinkMode.RR, false,
                DeviceType.DASD_3390, "LX0000", new FileRegion(ROOT.resolve("volumes/LX0000.img"), 8110080, 73728000));
    }

    @Test
    void parsedStateFormatsToTheSameTextWithPathsInsideTheDataDirectoryRelative() {
        CpState state = CpState.parse(TEXT, ROOT);

        assertThat(state.changed()).isFalse();
        assertThat(state.link(Userid.of("WORKER1"), Vaddr.of("1200")).orElseThrow().region().path())
                .isEqualTo(ROOT.resolve("volumes/LX0000.img"));
        assertThat(state.format(ROOT)).isEqualTo(TEXT);
    }

    @Test
    void copyIsChangedAloneAndTheOriginalKeepsItsLinks() {
        CpState original = CpState.parse(TEXT, ROOT);
        CpState copy = original.copy();

        copy.removeLink(Userid.of("WORKER1"), Vaddr.of("1200"));
        copy.putLink(link("WORKER2", "1300"));
        copy.logoff(Userid.of("LINUX001"));

        assertThat(copy.changed()).isTrue();
        assertThat(original.changed()).isFalse();
        assertThat(original.format(ROOT)).isEqualTo(TEXT);
        assertThat(copy.format(ROOT)).doesNotContain("LINUX001").doesNotContain("WORKER1 1200").contains("LINK WORKER2 1300 LNXMSTR");
    }

    @Test
    void changesThatChangeNothingLeaveTheStateUnchanged() {
        CpState state = CpState.parse(TEXT, ROOT).copy();

        state.putLink(link("WORKER1", "1200"));
        state.putLogon(new CpState.Logon(Userid.of("LINUX001"), 4711, 1718000000000L));
        state.removeLink(Userid.of("WORKER9"), Vaddr.of("1200"));
        state.logoff(Userid.of("LINUX099"));
        assertThat(state.changed()).isFalse();

        state.putLogon(new CpState.Logon(Userid.of("LINUX001"), 4712, 1718000000000L));
        assertThat(state.changed()).isTrue();
    }

    @Test
    void textOfAnotherVersionIsRefusedNamingTheLine() {
        assertThatThrownBy(() -> CpState.parse("clonefarm-cp-state 1\nLOGON LINUX001 x 1\n", ROOT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 2");
        assertThatThrownBy(() -> CpState.parse("clonefarm-cp-state 2\n", ROOT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("line 1");
    }
}
