package org.clonefarm.platform.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Volume;
import org.junit.jupiter.api.Test;

/** Whole-directory validation finds each kind of problem and names where it is. */
class DirectoryValidatorTest {

    private static List<DirectoryProblem> problems(String text) {
        return UserDirectory.parse(text, "D").validate();
    }

    /** The test directory with every statement kind is valid. */
    @Test
    void everyKindDirectoryIsValid() throws IOException {
        assertThat(UserDirectory.parse(DirectoryRoundTripTest.everyKind(), "EVERY.DIRECT").validate()).isEmpty();
    }

    /** Two entries with one name are reported at the second one's line. */
    @Test
    void reportsDuplicateUserids() {
        assertThat(problems("USER A PW\nUSER B PW\nPROFILE A\n"))
                .singleElement().satisfies(p -> {
                    assertThat(p.kind()).isEqualTo(DirectoryProblem.Kind.DUPLICATE_USERID);
                    assertThat(p.line()).isEqualTo(3);
                    assertThat(p.message()).contains("line 1");
                });
    }

    /** Two devices at one vaddr in an entry are reported; NICDEF continuations are not duplicates. */
    @Test
    void reportsDuplicateVaddrsInOneEntry() {
        assertThat(problems("USER A PW\n NICDEF 0600 TYPE QDIO\n NICDEF 600 LAN SYSTEM X\n MDISK 0200 3390 1 10 V1 MR\n"
                + " LINK B 0191 0200 RR\nUSER B PW\n MDISK 0191 3390 20 5 V1 MR\n"))
                .singleElement().satisfies(p -> {
                    assertThat(p.kind()).isEqualTo(DirectoryProblem.Kind.DUPLICATE_VADDR);
                    assertThat(p.line()).isEqualTo(5);
                    assertThat(p.message()).contains("0200").contains("line 4");
                });
    }

    /** Extents that share a cylinder are reported, across entries and across a gap of other extents. */
    @Test
    void reportsOverlappingExtentsAnywhere() {
        List<DirectoryProblem> found = problems("USER A PW\n MDISK 0200 3390 1 100 V1 MR\n MDISK 0201 3390 200 10 V2 MR\n"
                + "USER B PW\n MDISK 0200 3390 50 10 V1 MR\n MDISK 0201 3390 101 1 V1 MR\n MDISK 0202 3390 205 5 V2 MR\n"
                + "USER C PW\n MDISK 0200 3390 102 10 V1 MR\n MDISK 0201 FB-512 V-DISK 1000 MR\n");

        assertThat(found).extracting(DirectoryProblem::kind).containsOnly(DirectoryProblem.Kind.OVERLAPPING_EXTENTS);
        assertThat(found).extracting(DirectoryProblem::message).anySatisfy(m -> assertThat(m).contains("B MDISK 0200").contains("A MDISK 0200"))
                .noneSatisfy(m -> assertThat(m).contains("B MDISK 0201"))
                .noneSatisfy(m -> assertThat(m).contains("C MDISK 0200"))
                .anySatisfy(m -> assertThat(m).contains("B MDISK 0202").contains("A MDISK 0201"));
        assertThat(found).hasSize(2);
    }

    /** An END extent covers the rest of its volume and overlaps what lies there. */
    @Test
    void endExtentOverlapsWhatFollowsIt() {
        assertThat(problems("USER A PW\n MDISK 0200 3390 100 END V1 MR\nUSER B PW\n MDISK 0200 3390 5000 10 V1 MR\n"))
                .extracting(DirectoryProblem::kind).containsExactly(DirectoryProblem.Kind.OVERLAPPING_EXTENTS);
    }

    /** A LINK to a missing owner, or to a vaddr the owner lacks, is reported; a LINK in a profile is checked too. */
    @Test
    void reportsLinksToMissingOwnersOrVaddrs() {
        List<DirectoryProblem> found = problems("PROFILE P\n LINK M 0191 0191 RR\n LINK M 0199 0199 RR\nUSER M PW\n"
                + " MDISK 0191 3390 1 1 V1 RR\nUSER A PW\n INCLUDE P\n LINK NOBODY 0191 0191 RR\n LINK M 0192 0192 RR\n"
                + " LINK M 0191 0193 RR\n LINK P 0191 0194 RR\n");

        assertThat(found).extracting(DirectoryProblem::kind).containsExactly(DirectoryProblem.Kind.LINK_VADDR_MISSING,
                DirectoryProblem.Kind.LINK_OWNER_MISSING, DirectoryProblem.Kind.LINK_VADDR_MISSING,
                DirectoryProblem.Kind.LINK_OWNER_MISSING);
        assertThat(found).extracting(DirectoryProblem::line).containsExactly(3, 8, 9, 11);
    }

    /** An MDISK in a profile is reported: CP allows none there. */
    @Test
    void reportsMdiskInAProfile() {
        assertThat(problems("PROFILE P\n MDISK 0191 3390 1 1 V1 RR\n"))
                .extracting(DirectoryProblem::kind).containsExactly(DirectoryProblem.Kind.MDISK_IN_PROFILE);
    }

    /** Each SUBCONFIG of an IDENTITY may use the same vaddrs; within one SUBCONFIG they must differ. */
    @Test
    void subconfigsHaveTheirOwnVaddrs() {
        assertThat(problems("IDENTITY SSI PW 1G 1G G\n BUILD ON M1 USING SUBCONFIG SSI-1\n BUILD ON M2 USING SUBCONFIG SSI-2\n"
                + "SUBCONFIG SSI-1\n MDISK 0191 3390 1 10 V1 MR\nSUBCONFIG SSI-2\n MDISK 0191 3390 1 10 V2 MR\n"
                + " MDISK 0191 3390 20 10 V2 MR\n"))
                .singleElement().satisfies(p -> {
                    assertThat(p.kind()).isEqualTo(DirectoryProblem.Kind.DUPLICATE_VADDR);
                    assertThat(p.line()).isEqualTo(8);
                });
    }

    /** INCLUDE of a missing profile and an AUTOG left in a directory are reported. */
    @Test
    void reportsMissingProfilesAndUnresolvedAutog() {
        assertThat(problems("USER A PW\n INCLUDE NOPROF\n MDISK 0200 3390 AUTOG 100 LINUX MR\n"))
                .extracting(DirectoryProblem::kind)
                .containsExactly(DirectoryProblem.Kind.PROFILE_MISSING, DirectoryProblem.Kind.UNRESOLVED_AUTOG);
    }

    /** With volume sizes known, an extent past the end or on a volume of the other type is reported. */
    @Test
    void reportsExtentsOutsideKnownVolumes() {
        var volumes = Map.of(Volser.of("V1"), new Volume(Volser.of("V1"), DeviceType.DASD_3390, 3339),
                Volser.of("F1"), new Volume(Volser.of("F1"), DeviceType.FB_512, 100_000));
        UserDirectory directory = UserDirectory.parse("USER A PW\n MDISK 0200 3390 3000 400 V1 MR\n MDISK 0201 3390 1 10 F1 MR\n"
                + " MDISK 0202 3390 3339 END V1 MR\n MDISK 0203 3390 1 3338 V2 MR\n", "D");

        List<DirectoryProblem> found = new DirectoryValidator(volumes).validate(directory);

        assertThat(found).extracting(DirectoryProblem::kind).containsOnly(DirectoryProblem.Kind.EXTENT_OUTSIDE_VOLUME);
        assertThat(found).extracting(DirectoryProblem::line).containsExactly(2, 3, 4);
    }
}
