package org.clonefarm.platform.layout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.ids.Vaddr;
import org.junit.jupiter.api.Test;

/** The clone layout's conventions: roles and their vaddrs, the NAMES file, the guest paths. */
class CloneLayoutTest {

    /** Each role has its own conventional vaddr, and that vaddr leads back to the role. */
    @Test
    void eachRoleAndItsVaddrLeadToEachOther() {
        assertThat(Arrays.stream(CloneLayout.Role.values()).map(role -> role.vaddr().value()))
                .containsExactly("0191", "0200", "0201", "0202", "0203", "0204");
        for (CloneLayout.Role role : CloneLayout.Role.values()) {
            assertThat(CloneLayout.Role.at(role.vaddr())).contains(role);
        }
        assertThat(CloneLayout.Role.at(Vaddr.of("191"))).contains(CloneLayout.Role.CONFIG);
        assertThat(CloneLayout.Role.VAR.specName()).isEqualTo("var");
    }

    /** A vaddr outside the convention has no role (the spec then calls it other). */
    @Test
    void otherVaddrsHaveNoRole() {
        assertThat(CloneLayout.Role.at(Vaddr.of("0300"))).isEmpty();
        assertThat(CloneLayout.Role.at(Vaddr.of("0190"))).isEmpty();
    }

    /** The NAMES file is LINUX NAMES A1, and its text form is the same file. */
    @Test
    void namesFileIsLinuxNames() {
        assertThat(CloneLayout.NAMES_FILE).isEqualTo(new CmsFileId("LINUX", "NAMES", "A1"));
        assertThat(CloneLayout.NAMES_FILE.nameAndType()).isEqualTo(CloneLayout.NAMES_FILE_TEXT);
    }

    /** Guest paths resolve under a mounted root; a relative one is refused. */
    @Test
    void guestPathsResolveUnderTheMountedRoot() {
        Path root = Path.of("/run/guests/LINUX001.boot/root");
        assertThat(CloneLayout.inRoot(root, CloneLayout.FINALIZE_MARKER)).isEqualTo(root.resolve("etc/rc.finalize"));
        assertThat(CloneLayout.inRoot(root, CloneLayout.AGENT_JAR))
                .isEqualTo(root.resolve("opt/clonefarm/clonefarm-agent.jar"));
        assertThatThrownBy(() -> CloneLayout.inRoot(root, "etc/rc.finalize")).hasMessageContaining("not an absolute path");
    }

    /** The per-userid MAC rule gives a locally administered unicast address, and no two userids share one. */
    @Test
    void macAddressOfAUseridIsLocalUnicastAndUnique() {
        java.util.Set<String> seen = new java.util.HashSet<>();
        java.util.Random random = new java.util.Random(16);
        String chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@#$";
        java.util.List<String> userids = new java.util.ArrayList<>(java.util.List.of("A", "B", "$", "AA", "LINUX001",
                "LINUX002", "$$$$$$$$", "AAAAAAAA", "9$$$$$$$", "A$$$$$$$"));
        for (int i = 0; i < 20_000; i++) {
            StringBuilder userid = new StringBuilder();
            for (int n = 1 + random.nextInt(8); n > 0; n--) {
                userid.append(chars.charAt(random.nextInt(chars.length())));
            }
            userids.add(userid.toString());
        }
        for (String userid : new java.util.LinkedHashSet<>(userids)) {
            String mac = CloneLayout.macAddress(new org.clonefarm.platform.ids.Userid(userid));
            assertThat(mac).matches("[0-9a-f]{2}(:[0-9a-f]{2}){5}");
            int first = Integer.parseInt(mac.substring(0, 2), 16);
            assertThat(first & 0b11).as("unicast, locally administered: %s of %s", mac, userid).isEqualTo(0b10);
            assertThat(seen.add(mac)).as("%s of %s is not another userid's", mac, userid).isTrue();
        }
        assertThat(CloneLayout.macAddress(new org.clonefarm.platform.ids.Userid("A"))).isEqualTo("02:00:00:00:00:01");
        assertThat(CloneLayout.macAddress(new org.clonefarm.platform.ids.Userid("AB"))).isEqualTo("02:00:00:00:00:29");
    }

    /** A NICDEF's MACID follows z/VM's default MAC prefix; anything but six hex digits is refused. */
    @Test
    void macidFollowsTheDefaultPrefix() {
        assertThat(CloneLayout.macAddressOfMacid("0A1b2C")).isEqualTo("02:00:00:0a:1b:2c");
        assertThatThrownBy(() -> CloneLayout.macAddressOfMacid("12345")).hasMessageContaining("'12345' is not six hex digits");
    }
}
