package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.clonefarm.agent.Distribution.NetworkStack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which network files a root gets, from its os-release. */
class DistributionTest {
    @TempDir
    Path root;

    private Distribution detect(String osRelease) throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/os-release"), osRelease);
        return Distribution.detect(root);
    }

    /** Each family and release line maps to its network stack. */
    @Test
    void mapsEachFamilyToItsNetworkStack() throws IOException {
        assertThat(detect("ID=\"sles\"\nVERSION_ID=\"12.5\"\n").network()).isEqualTo(NetworkStack.WICKED_IFCFG);
        assertThat(detect("ID=\"opensuse-leap\"\nID_LIKE=\"suse opensuse\"\n").network()).isEqualTo(NetworkStack.WICKED_IFCFG);
        assertThat(detect("ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n").network())
                .isEqualTo(NetworkStack.NM_KEYFILE);
        assertThat(detect("ID=\"rhel\"\nVERSION_ID=\"8.9\"\n").network()).isEqualTo(NetworkStack.REDHAT_IFCFG);
        assertThat(detect("ID=fedora\nVERSION_ID=40\n").network()).isEqualTo(NetworkStack.NM_KEYFILE);
        assertThat(detect("ID=debian\nVERSION_ID=\"11\"\n").network()).isEqualTo(NetworkStack.IFUPDOWN);
        assertThat(detect("ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"16.04\"\n").network()).isEqualTo(NetworkStack.IFUPDOWN);
        assertThat(detect("ID=ubuntu\nID_LIKE=debian\nVERSION_ID=\"22.04\"\n").network()).isEqualTo(NetworkStack.NETPLAN);
        assertThat(detect("ID=alpine\n").network()).isEqualTo(NetworkStack.NETWORKD);
    }

    /** A root without os-release falls back to systemd-networkd. */
    @Test
    void rootWithoutOsReleaseFallsBackToNetworkd() {
        Distribution distribution = Distribution.detect(root);
        assertThat(distribution.family()).isEqualTo("networkd");
        assertThat(distribution.network()).isEqualTo(NetworkStack.NETWORKD);
    }
}
