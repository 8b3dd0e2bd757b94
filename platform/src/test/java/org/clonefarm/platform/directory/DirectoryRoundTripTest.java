package org.clonefarm.platform.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.clonefarm.platform.ids.Userid;
import org.junit.jupiter.api.Test;

/** Parse, print, parse of a directory keeps its meaning and its text. */
class DirectoryRoundTripTest {

    static String everyKind() throws IOException {
        try (InputStream in = DirectoryRoundTripTest.class.getResourceAsStream("/zvm/EVERY.DIRECT")) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    /** A directory with every statement kind parses, prints and parses again to the same model. */
    @Test
    void parsePrintParseOfEveryStatementKindGivesTheSameModel() throws IOException {
        UserDirectory first = UserDirectory.parse(everyKind(), "EVERY.DIRECT");
        String printed = first.print();
        UserDirectory second = UserDirectory.parse(printed, "printed");

        assertThat(second).isEqualTo(first);
        assertThat(second.print()).isEqualTo(printed);
        Set<Class<?>> kinds = first.entries().stream().flatMap(e -> java.util.stream.Stream.concat(
                java.util.stream.Stream.of(e.header()), e.body().stream())).map(Object::getClass).collect(Collectors.toSet());
        kinds.addAll(first.preamble().stream().map(Object::getClass).toList());
        assertThat(kinds).containsExactlyInAnyOrder(UserStatement.class, ProfileStatement.class, IncludeStatement.class,
                MdiskStatement.class, LinkStatement.class, IplStatement.class, MachineStatement.class, NicdefStatement.class,
                DedicateStatement.class, ConsoleStatement.class, SpoolStatement.class, CommentLine.class, UnknownStatement.class);
        List<MdiskLocation> locations = first.entries().stream().flatMap(e -> e.minidisks().stream()).map(MdiskStatement::location).toList();
        assertThat(locations).hasAtLeastOneElementOfType(MdiskLocation.OnVolume.class).hasAtLeastOneElementOfType(MdiskLocation.VDisk.class)
                .hasAtLeastOneElementOfType(MdiskLocation.TDisk.class).hasAtLeastOneElementOfType(MdiskLocation.Devno.class);
    }

    /** Statements the model does not know come back exactly as written, and the sequence field is dropped. */
    @Test
    void unknownStatementsArePrintedVerbatim() throws IOException {
        String printed = UserDirectory.parse(everyKind(), "EVERY.DIRECT").print();

        assertThat(printed).contains("DIRECTORY 0123 3390 VMRES1\n", " OPTION APPLMON\n", " POSIXINFO UID 1001\n",
                " BUILD ON * USING SUBCONFIG SSIGST-1\n", "SUBCONFIG SSIGST-1\n", " ACCOUNT 42 LINUX\n");
        assertThat(printed).doesNotContain("00010000");
        assertThat(printed.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(72));
    }

    /** The parsed model says what the text says: the documented example entry in typed form. */
    @Test
    void theExampleEntryReadsAsTypedStatements() throws IOException {
        UserDirectory directory = UserDirectory.parse(everyKind(), "EVERY.DIRECT");
        DirectoryEntry linux = directory.entry(Userid.of("LINUX001")).orElseThrow();

        UserStatement user = linux.user().orElseThrow();
        assertThat(user.password()).isEqualTo("XXXXXXXX");
        assertThat(user.storage()).isEqualTo("1G");
        assertThat(user.maxStorage()).isEqualTo("2G");
        assertThat(user.privClasses()).isEqualTo("G");
        assertThat(linux.includes()).containsExactly(Userid.of("LINDFLT"));
        assertThat(linux.minidisk(org.clonefarm.platform.ids.Vaddr.of("200")).orElseThrow().extent().orElseThrow().toString())
                .isEqualTo("LX0001 3390 3340-5139 (1800 cylinders)");
        assertThat(linux.ofKind(NicdefStatement.class).get(0).lan()).contains("SYSTEM VSWLNX");
        assertThat(linux.ofKind(IplStatement.class).get(0).options()).containsExactly("LOADPARM", "0", "PARM", "root=/dev/dasda1", "ro");
        assertThat(linux.line()).isEqualTo(32);
    }

    /** Lower case and short vaddrs are the same statement as their canonical form. */
    @Test
    void caseAndShortVaddrsDoNotChangeTheModel() {
        Statement lower = UserDirectory.parseStatement(" mdisk 200 3390 1 10 lx0001 mr", "t");
        Statement upper = UserDirectory.parseStatement(" MDISK 0200 3390 1 10 LX0001 MR", "t");

        assertThat(lower).isEqualTo(upper);
    }
}
