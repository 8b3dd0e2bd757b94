package org.clonefarm.platform.directory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the directory parser refuses, and how it says so. */
class DirectoryParserTest {

    /** A bad statement is reported with the file and the line it is on. */
    @Test
    void badStatementIsReportedWithFileAndLine(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("USER.DIRECT");
        Files.writeString(file, "USER LINUX001 PW 1G 2G G\n MDISK 0200 3390 abc 10 LX0001 MR\n");

        assertThatThrownBy(() -> UserDirectory.read(file))
                .isInstanceOf(DirectoryException.class)
                .hasMessage(file + " line 2: MDISK: start cylinder 'abc' is not a number")
                .satisfies(e -> assertThat(((DirectoryException) e).line()).isEqualTo(2));
    }

    /** Userids and vaddrs outside their character rules are refused with the offending word. */
    @Test
    void invalidUseridAndVaddrAreRefused() {
        assertThatThrownBy(() -> UserDirectory.parse("USER LINUX_01 PW\n", "D")).hasMessageContaining("D line 1")
                .hasMessageContaining("'LINUX_01'");
        assertThatThrownBy(() -> UserDirectory.parse("USER LINUX001 PW\n LINK LNXMSTR 12345 0191 RR\n", "D"))
                .hasMessageContaining("D line 2").hasMessageContaining("'12345'");
        assertThatThrownBy(() -> UserDirectory.parse("USER TOOLONGID PW\n", "D")).hasMessageContaining("'TOOLONGID'");
    }

    /** A V-DISK larger than CP allows is refused. */
    @Test
    void vdiskAboveTheLimitIsRefused() {
        assertThat(UserDirectory.parseStatement(" MDISK 0201 FB-512 V-DISK 4194296 MR", "D")).isInstanceOf(MdiskStatement.class);
        assertThatThrownBy(() -> UserDirectory.parseStatement(" MDISK 0201 FB-512 V-DISK 4194297 MR", "D"))
                .hasMessageContaining("4194296");
    }

    /** An entry statement before the first USER is an error; comments and directory controls are not. */
    @Test
    void statementOutsideAnEntryIsRefused() {
        assertThat(UserDirectory.parse("* comment\nDIRECTORY 0123 3390 VMRES1\n", "D").preamble()).hasSize(2);
        assertThatThrownBy(() -> UserDirectory.parse("* comment\n MDISK 0200 3390 1 10 LX0001 MR\n", "D"))
                .hasMessageContaining("D line 2").hasMessageContaining("outside an entry");
    }

    /** Columns 73-80 are the sequence field, ignored as CP ignores them. */
    @Test
    void sequenceFieldIsIgnored() {
        String card = String.format("%-72s%s", " MDISK 0200 3390 1 10 LX0001 MR", "00000010");
        UserDirectory directory = UserDirectory.parse("USER A PW\n" + card + "\n", "D");

        assertThat(directory.minidisk(Userid.of("A"), Vaddr.of("200")).orElseThrow().mode()).isEqualTo("MR");
    }

    /** A statement built in code that does not fit 72 columns cannot be printed; the error names the entry. */
    @Test
    void printingRefusesStatementsWiderThan72Columns() {
        UserDirectory directory = UserDirectory.empty();
        directory.add(DirectoryEntry.of(UserStatement.user(Userid.of("WIDE"), "PW", "1G", "2G", "G"), List.of(
                new NicdefStatement(Vaddr.of("600"), List.of("TYPE", "QDIO", "LAN", "SYSTEM", "VSWITCHNAME1", "CHPID", "F0",
                        "MACID", "020001", "DEVICES", "3", "VLAN", "1000")))));

        assertThatThrownBy(directory::print).isInstanceOf(DirectoryException.class)
                .hasMessageContaining("entry WIDE").hasMessageContaining("more than the 72");
    }

    /** Adding a batch with one clashing name adds nothing. */
    @Test
    void addAllIsAllOrNothing() {
        UserDirectory directory = UserDirectory.parse("USER A PW\nUSER B PW\n", "D");
        DirectoryEntry c = DirectoryEntry.of(UserStatement.user(Userid.of("C"), "PW", null, null, null), List.of());
        DirectoryEntry b = DirectoryEntry.of(UserStatement.user(Userid.of("B"), "PW", null, null, null), List.of());

        assertThatThrownBy(() -> directory.addAll(List.of(c, b))).hasMessageContaining("nothing was added").hasMessageContaining("B");
        assertThat(directory.size()).isEqualTo(2);
        assertThat(directory.entry(Userid.of("C"))).isEmpty();
    }
}
