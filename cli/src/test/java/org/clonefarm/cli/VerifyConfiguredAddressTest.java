package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.clonefarm.platform.names.NamesEntry;
import org.junit.jupiter.api.Test;

/** verify's check of READY's configured addresses (read from the guest's kernel) against the clone's NAMES entry. */
class VerifyConfiguredAddressTest {

    /** The NAMES addresses on the interface pass, compared as addresses; one that is missing is a problem naming both. */
    @Test
    void namesAddressesMustBeAmongTheConfiguredOnes() {
        NamesEntry entry = NamesEntry.of("LINUX001", Map.of("ipaddr", "10.1.1.21", "ipaddr6", "FD00:1:0::21"));

        assertThat(VerifyCommand.configuredAddressProblems("LINUX001", entry,
                List.of("10.1.1.21/24", "fd00:1::21/64"))).isEmpty();
        assertThat(VerifyCommand.configuredAddressProblems("LINUX001", entry, List.of("10.1.1.99/24", "fd00:1::21/64")))
                .containsExactly("clone LINUX001: its READY event has 10.1.1.99/24 fd00:1::21/64 on the interface, not"
                        + " :ipaddr.10.1.1.21 of its NAMES entry");
    }
}
