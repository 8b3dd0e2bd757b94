package org.clonefarm.platform.directory;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;

/** Print then parse gives back any directory the model can hold, statement kind by statement kind. */
class DirectoryRoundTripPropertiesTest {

    static Arbitrary<Userid> userids() {
        return Arbitraries.strings().withChars("ABCXYZ019@#$").ofMinLength(1).ofMaxLength(8).map(Userid::new);
    }

    static Arbitrary<Vaddr> vaddrs() {
        return Arbitraries.integers().between(0, 0xFFFF).map(Vaddr::of);
    }

    static Arbitrary<String> words() {
        return Arbitraries.strings().withChars("ABCDEFGHIJ0123456789-/=").ofMinLength(1).ofMaxLength(6)
                .filter(w -> !w.startsWith("*"));
    }

    static Arbitrary<String> modes() {
        return Arbitraries.of("R", "RR", "W", "WR", "M", "MR", "MW", "MRV");
    }

    static Arbitrary<MdiskLocation> locations() {
        return Arbitraries.oneOf(
                Combinators.combine(Arbitraries.longs().between(0, 65519), Arbitraries.longs().between(1, 65520),
                        Arbitraries.strings().withChars("LX0123").ofMinLength(1).ofMaxLength(6))
                        .as(MdiskLocation.OnVolume::new),
                Combinators.combine(Arbitraries.longs().between(0, 1000), Arbitraries.strings().withChars("LX0123").ofLength(6))
                        .as((start, vol) -> new MdiskLocation.OnVolume(start, MdiskLocation.END, vol)),
                Arbitraries.longs().between(1, 4_194_296).map(MdiskLocation.VDisk::new),
                Arbitraries.longs().between(1, 9999).map(MdiskLocation.TDisk::new),
                Arbitraries.integers().between(0, 0xFFFF).map(n -> new MdiskLocation.Devno(String.format("%04X", n))));
    }

    static Arbitrary<Statement> bodyStatements() {
        Arbitrary<Statement> mdisk = Combinators.combine(vaddrs(), locations(), modes().injectNull(0.2), words().list().ofMaxSize(3))
                .as((v, l, m, pw) -> new MdiskStatement(v, l instanceof MdiskLocation.VDisk ? DeviceType.FB_512
                        : v.number() % 2 == 0 ? DeviceType.DASD_3390 : DeviceType.FB_512, l, m, m == null ? List.of() : pw));
        Arbitrary<Statement> link = Combinators.combine(userids(), vaddrs(), vaddrs(), Arbitraries.of("RR", "MR", "MW").injectNull(0.2))
                .as(LinkStatement::new);
        Arbitrary<Statement> include = userids().map(IncludeStatement::new);
        Arbitrary<Statement> ipl = Combinators.combine(Arbitraries.of("CMS", "0200", "0191", "ZCMS"), words().list().ofMaxSize(4))
                .as(IplStatement::new);
        Arbitrary<Statement> machine = Combinators.combine(Arbitraries.of("ESA", "XA", "XC", "Z"),
                Arbitraries.of(List.<String>of(), List.of("2"), List.of("64"))).as(MachineStatement::new);
        Arbitrary<Statement> nicdef = Combinators.combine(vaddrs(), words().list().ofMaxSize(6)).as(NicdefStatement::new);
        Arbitrary<Statement> dedicate = Combinators.combine(vaddrs(), Arbitraries.of("0500", "A501", "LX0001"), Arbitraries.of(
                List.<String>of(), List.of("R/O"))).as(DedicateStatement::new);
        Arbitrary<Statement> console = Combinators.combine(vaddrs(), Arbitraries.of("3215", "3270"), Arbitraries.of(List.<String>of(),
                List.of("T"), List.of("T", "OPERATOR"))).as(ConsoleStatement::new);
        Arbitrary<Statement> spool = Combinators.combine(vaddrs(), Arbitraries.of("2540", "1403", "3505"), Arbitraries.of(
                List.<String>of(), List.of("READER", "*"), List.of("PUNCH", "A"), List.of("A"))).as(SpoolStatement::new);
        Arbitrary<Statement> comment = words().list().ofMaxSize(5).map(w -> new CommentLine(("* " + String.join(" ", w)).strip()));
        Arbitrary<Statement> unknown = Combinators.combine(Arbitraries.of("OPTION", "ACCOUNT", "POSIXINFO", "CPU", "IUCV"),
                words().list().ofMaxSize(5)).as((k, w) -> new UnknownStatement((" " + k + " " + String.join(" ", w)).stripTrailing()));
        return Arbitraries.oneOf(mdisk, link, include, ipl, machine, nicdef, dedicate, console, spool, comment, unknown);
    }

    @Provide
    Arbitrary<UserDirectory> directories() {
        Arbitrary<EntryHeader> users = Combinators.combine(Arbitraries.of(true, false), userids(),
                Arbitraries.strings().withChars("PWxyzNOLG").ofMinLength(1).ofMaxLength(8),
                Arbitraries.of("1G", "512M", "2G"), Arbitraries.of("2G", "4G"), Arbitraries.of("G", "ABCDEFG"))
                .as((identity, id, pw, st, max, cls) -> new UserStatement(identity, id, pw, st, max, cls, List.of()));
        Arbitrary<EntryHeader> profiles = userids().map(ProfileStatement::new);
        Arbitrary<DirectoryEntry> entries = Combinators.combine(Arbitraries.oneOf(users, profiles), bodyStatements().list().ofMaxSize(12))
                .as(DirectoryEntry::of);
        return entries.list().ofMaxSize(8).uniqueElements(DirectoryEntry::name).map(list -> {
            UserDirectory directory = UserDirectory.empty();
            list.forEach(directory::add);
            return directory;
        });
    }

    /** Any directory prints within 72 columns and parses back to the same model and the same text. */
    @Property(tries = 200, edgeCases = EdgeCasesMode.NONE)
    void printThenParseGivesTheSameDirectory(@ForAll("directories") UserDirectory directory) {
        String printed = directory.print();

        UserDirectory parsed = UserDirectory.parse(printed, "printed");

        assertThat(new ArrayList<>(parsed.entries())).isEqualTo(new ArrayList<>(directory.entries()));
        assertThat(parsed.print()).isEqualTo(printed);
        assertThat(printed.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(72));
    }
}
