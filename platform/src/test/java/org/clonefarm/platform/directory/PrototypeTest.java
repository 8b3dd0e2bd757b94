package org.clonefarm.platform.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Extent;
import org.junit.jupiter.api.Test;

/** Making an entry LIKE a prototype, as DirMaint's ADD newid LIKE proto. */
class PrototypeTest {

    static final String PROTOTYPE = """
            USER LINPROTO NOLOG 1G 2G G
             INCLUDE LINDFLT
             IPL 0200
             MACHINE ESA 2
             NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX
             LINK LNXMSTR 0191 0191 RR
             LINK LNXMSTR 0203 0203 RR
             MDISK 0200 3390 AUTOG 1800 LINUX MR
             MDISK 0201 FB-512 V-DISK 524288 MR
             MDISK 0202 3390 AUTOG 600 LINUX MR
            """;

    static Prototype prototype() {
        return Prototype.of(UserDirectory.parse(PROTOTYPE, "LINPROTO PROTODIR").entries().get(0));
    }

    /** The clone gets the new userid and password, concrete extents for AUTOG, and keeps LINK, NICDEF and V-DISK. */
    @Test
    void likeSubstitutesIdentityAndResolvesAutog() {
        Prototype prototype = prototype();
        Extent root = new Extent(Volser.of("LX0001"), DeviceType.DASD_3390, 3340, 1800);
        Extent var = new Extent(Volser.of("LX0001"), DeviceType.DASD_3390, 5140, 600);

        DirectoryEntry clone = prototype.like(new NewUser(Userid.of("LINUX001"), "XXXXXXXX"), List.of(root, var));

        String printed = print(clone);
        assertThat(printed).isEqualTo("""
                USER LINUX001 XXXXXXXX 1G 2G G
                 INCLUDE LINDFLT
                 IPL 0200
                 MACHINE ESA 2
                 NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX
                 LINK LNXMSTR 0191 0191 RR
                 LINK LNXMSTR 0203 0203 RR
                 MDISK 0200 3390 3340 1800 LX0001 MR
                 MDISK 0201 FB-512 V-DISK 524288 MR
                 MDISK 0202 3390 5140 600 LX0001 MR
                """);
        assertThat(prototype.disks()).extracting(Prototype.DiskRequest::vaddr).containsExactly(Vaddr.of("200"), Vaddr.of("202"));
    }

    /** Extents that do not match the prototype's sizes are refused. */
    @Test
    void likeRefusesExtentsOfTheWrongSize() {
        Extent small = new Extent(Volser.of("LX0001"), DeviceType.DASD_3390, 1, 10);

        assertThatThrownBy(() -> prototype().like(new NewUser(Userid.of("LINUX001"), "PW"), List.of(small, small)))
                .hasMessageContaining("MDISK 0200").hasMessageContaining("1800 cylinders");
    }

    /** A fixed extent in a prototype is refused unless a group for it is named; then it is requested from that group. */
    @Test
    void fixedExtentNeedsAGroup() {
        DirectoryEntry master = UserDirectory.parse("USER LNXMSTR NOLOG\n MDISK 0200 3390 51 3000 LX0000 MR\n", "D").entries().get(0);

        assertThatThrownBy(() -> Prototype.of(master)).isInstanceOf(DirectoryException.class).hasMessageContaining("AUTOG");
        assertThat(Prototype.of(master, "LINUX").disks())
                .containsExactly(new Prototype.DiskRequest(Vaddr.of("200"), DeviceType.DASD_3390, 3000, "LINUX"));
    }

    static String print(DirectoryEntry entry) {
        UserDirectory directory = UserDirectory.empty();
        directory.add(entry);
        return directory.print();
    }
}
