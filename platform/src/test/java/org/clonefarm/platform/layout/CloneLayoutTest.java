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
}
