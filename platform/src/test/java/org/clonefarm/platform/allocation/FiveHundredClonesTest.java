package org.clonefarm.platform.allocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.NewUser;
import org.clonefarm.platform.directory.Prototype;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.geometry.Model3390;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Volume;
import org.junit.jupiter.api.Test;

/** The coordinator's path for a batch: 500 clones LIKE one prototype, allocated at once, validated, written. */
class FiveHundredClonesTest {

    static final String BASE = """
            PROFILE LINDFLT
             IPL CMS
             MACHINE ESA 2
             CONSOLE 0009 3215 T
             SPOOL 000C 2540 READER *
            USER LNXMSTR NOLOG 2G 4G G
             INCLUDE LINDFLT
             MDISK 0191 3390 1 50 MST001 MR
             MDISK 0200 3390 51 1800 MST001 MR
             MDISK 0202 3390 1851 600 MST001 MR
             MDISK 0203 3390 2451 800 MST001 MR
            """;

    static final String PROTOTYPE = """
            USER LINPROTO NOLOG 1G 2G G
             INCLUDE LINDFLT
             IPL 0200
             NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX
             LINK LNXMSTR 0191 0191 RR
             LINK LNXMSTR 0203 0203 RR
             MDISK 0200 3390 AUTOG 1800 LINUX MR
             MDISK 0201 FB-512 V-DISK 524288 MR
             MDISK 0202 3390 AUTOG 600 LINUX MR
            """;

    /** A system with a master volume and enough 3390-54 volumes in group LINUX for {@code clones} clones. */
    static ExtentControl control(int clones) {
        ExtentControl control = ExtentControl.empty().withVolume(new Volume(Volser.of("MST001"), DeviceType.DASD_3390, 3339), null);
        long needed = clones * 2400L;
        int volumes = (int) (needed / (Model3390.MOD_54.cylinders() - 1)) + 1;
        for (int i = 0; i < volumes; i++) {
            control = control.withVolume(new Volume(Volser.of(String.format("LX%04d", i)), DeviceType.DASD_3390,
                    Model3390.MOD_54.cylinders()), "LINUX");
        }
        return control;
    }

    static List<NewUser> users(int count) {
        List<NewUser> users = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            users.add(new NewUser(Userid.of(String.format("LNX%05d", i)), "AUTOONLY"));
        }
        return users;
    }

    /** 500 clones are allocated as one batch, get disjoint extents, and the whole directory validates well under a second. */
    @Test
    void fiveHundredClonesFromOnePrototypeValidateQuickly() {
        ExtentControl control = control(500);
        UserDirectory directory = UserDirectory.parse(BASE, "USER.DIRECT");
        Prototype prototype = Prototype.of(UserDirectory.parse(PROTOTYPE, "LINPROTO PROTODIR").entries().get(0));
        ExtentAllocator allocator = new ExtentAllocator(control, directory);

        List<DirectoryEntry> added = allocator.addLike(prototype, users(500));
        UserDirectory reread = UserDirectory.parse(directory.print(), "USER.DIRECT");

        long start = System.nanoTime();
        var problems = new org.clonefarm.platform.directory.DirectoryValidator(control.volumes()).validate(reread);
        Duration took = Duration.ofNanos(System.nanoTime() - start);

        assertThat(added).hasSize(500);
        assertThat(reread.size()).isEqualTo(502);
        assertThat(problems).isEmpty();
        assertThat(reread.usedExtents()).hasSize(4 + 1000);
        assertThat(took).isLessThan(Duration.ofSeconds(2));
    }

    /** The validator is not blind: one clone's disk moved onto another's is caught among the 500. */
    @Test
    void oneOverlapAmongFiveHundredClonesIsFound() {
        ExtentControl control = control(500);
        UserDirectory directory = UserDirectory.parse(BASE, "USER.DIRECT");
        Prototype prototype = Prototype.of(UserDirectory.parse(PROTOTYPE, "LINPROTO PROTODIR").entries().get(0));
        new ExtentAllocator(control, directory).addLike(prototype, users(500));
        String text = directory.print();
        // LNX00300's root disk is put where LNX00001's root disk is
        String first = text.lines().filter(l -> l.startsWith(" MDISK 0200 3390")).skip(1).findFirst().orElseThrow();
        String victim = text.lines().filter(l -> l.startsWith(" MDISK 0200 3390")).skip(300).findFirst().orElseThrow();
        UserDirectory broken = UserDirectory.parse(text.replace(victim, first), "USER.DIRECT");

        assertThat(broken.validate()).singleElement()
                .satisfies(p -> assertThat(p.message()).contains("LNX00300 MDISK 0200").contains("LNX00001 MDISK 0200"));
    }

    /** A batch of clones that does not fit adds no entry and allocates nothing. */
    @Test
    void clonesThatDoNotFitLeaveTheDirectoryUnchanged() {
        ExtentControl control = control(10);
        UserDirectory directory = UserDirectory.parse(BASE, "USER.DIRECT");
        Prototype prototype = Prototype.of(UserDirectory.parse(PROTOTYPE, "LINPROTO PROTODIR").entries().get(0));
        ExtentAllocator allocator = new ExtentAllocator(control, directory);
        String before = directory.print();

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> allocator.addLike(prototype, users(500)))
                .isInstanceOf(AllocationException.class).hasMessageContaining("group LINUX cannot hold");

        assertThat(directory.print()).isEqualTo(before);
        assertThat(allocator.addLike(prototype, users(10))).hasSize(10);
    }
}
