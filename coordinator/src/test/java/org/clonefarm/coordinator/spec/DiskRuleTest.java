package org.clonefarm.coordinator.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.proto.DiskAction;
import org.clonefarm.proto.DiskRole;
import org.junit.jupiter.api.Test;

/** A disk rule's role without {@code as} is the layout's convention, written as the contract's role. */
class DiskRuleTest {

    /** Each layout role's vaddr gives the contract role of the same name, and every contract role but other has one. */
    @Test
    void conventionalRoleOfEachLayoutVaddrIsTheContractRoleOfTheSameName() {
        for (CloneLayout.Role role : CloneLayout.Role.values()) {
            assertThat(DiskRule.conventionalRole(role.vaddr().value())).as(role.name())
                    .isEqualTo(DiskRule.contractRole(role))
                    .extracting(DiskRule::roleSpecName).isEqualTo(role.specName());
        }
        assertThat(Arrays.stream(CloneLayout.Role.values()).map(DiskRule::contractRole))
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(DiskRole.values())
                        .filter(r -> r != DiskRole.DISK_ROLE_UNSPECIFIED && r != DiskRole.DISK_ROLE_OTHER
                                && r != DiskRole.UNRECOGNIZED).toList());
    }

    /** A vaddr outside the convention is "other", and a rule says its role only where it is not the conventional one. */
    @Test
    void otherVaddrsAreOtherAndSpecTextSaysOnlyAnUnconventionalRole() {
        assertThat(DiskRule.conventionalRole("0300")).isEqualTo(DiskRole.DISK_ROLE_OTHER);
        assertThat(new DiskRule("0202", DiskAction.DISK_ACTION_COPY, 0, DiskRole.DISK_ROLE_VAR).specText())
                .isEqualTo("copy");
        assertThat(new DiskRule("0300", DiskAction.DISK_ACTION_COPY, 0, DiskRole.DISK_ROLE_VAR).specText())
                .isEqualTo("copy as var");
    }
}
