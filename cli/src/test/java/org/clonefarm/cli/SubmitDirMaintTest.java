package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.RandomAccessFile;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.clonefarm.coordinator.dirmaint.DirMaintCommand;
import org.clonefarm.coordinator.dirmaint.DirMaintScript;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.DiskLayout;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code clonefarm submit --directory-manager dirmaint} against files as a z/VM system gives them (a
 * USER DIRECT extract, EXTENT CONTROL, a CMS 191 disk image) and a site command that is a real script.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SubmitDirMaintTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static final String DIRECTORY = """
            USER LNXMSTR XXXXXXXX 1G 2G G
             IPL 0191
             MDISK 0191 3390 1 5 MST001 MR
             MDISK 0200 3390 6 20 MST001 MR
             MDISK 0202 3390 26 10 MST001 MR
             MDISK 0203 3390 36 20 MST001 MR
            USER LNXPROTO NOLOG 1G 2G G
             IPL 0191
             MACHINE ESA 2
             NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX
            USER OTHER01 XXXXXXXX 1G 2G G
             MDISK 0200 3390 1 40 LX0001 MR
            """;

    private static final String EXTENT_CONTROL = """
            :REGIONS.
            *RegionId VolSer   RegStart RegEnd   Dev-Type
            MST001    MST001   1        END      3390-03
            LX0001    LX0001   1        END      3390-03
            :END.
            :GROUPS.
            *GroupName RegionList
            LNXPOOL   LX0001
            :END.
            """;

    private static String spec(String batch) {
        return """
                batch: %s
                master: LNXMSTR
                profile: rw-root
                prototype: LNXPROTO
                volumes: LNXPOOL
                disks: {"0191": link, "0200": copy, "0201": vdisk 524288, "0202": copy, "0203": link}
                network: {netmask: 255.255.255.0, gateway: 10.1.1.1, nameservers: [10.1.1.53], domain: example.com}
                clones:
                  - range: LINUX001-LINUX003
                    ip: 10.1.1.21
                """.formatted(batch);
    }

    private static CapturedRun run(String... args) {
        return CapturedRun.of(args);
    }

    private static Path extract(Path dir) throws Exception {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("EXTENT.CONTROL"), EXTENT_CONTROL);
        return Files.writeString(dir.resolve("USER.DIRECT"), DIRECTORY);
    }

    /** The default prints a REXX EXEC of the plan's commands on stdout and tells what to do next; no Kafka is needed. */
    @Test
    void printsTheExecAndAppliesNothing(@TempDir Path dir) throws Exception {
        Path directory = extract(dir.resolve("zvm"));
        Path spec = Files.writeString(dir.resolve("web.yaml"), spec("web-p"));

        CapturedRun printed = run("submit", spec.toString(), "--directory-manager", "dirmaint", "--directory", directory.toString(),
                "--data", dir.resolve("data").toString());

        assertThat(printed.code()).as(printed.err()).isZero();
        List<DirMaintCommand> commands = DirMaintScript.commandsOf(printed.out());
        assertThat(commands).hasSize(18);
        assertThat(commands.get(0).text()).isEqualTo("DIRM ADD LINUX001 LIKE LNXPROTO PW AUTOONLY");
        assertThat(commands.stream().map(DirMaintCommand::text).filter(t -> t.contains(" AMDISK 0200 ")))
                .as("root disks follow OTHER01's 40 cylinders on LX0001, one after the other")
                .containsExactly("DIRM FOR LINUX001 AMDISK 0200 3390 41 20 LX0001 MR",
                        "DIRM FOR LINUX002 AMDISK 0200 3390 71 20 LX0001 MR",
                        "DIRM FOR LINUX003 AMDISK 0200 3390 101 20 LX0001 MR");
        assertThat(printed.out()).contains("/* Clone LINUX002: linux002.example.com 10.1.1.22");
        assertThat(printed.err()).contains("Printed 18 DirMaint commands for batch web-p (3 clones); nothing was applied"
                + " or published").contains("--dirmaint-applied");

        CapturedRun plan = run("plan", spec.toString(), "--directory", directory.toString(), "--data", dir.resolve("data").toString());
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("Batch web-p: 3 clones").contains("MDISK 0200 3390 41 20 LX0001 MR");
    }

    /** With --dirmaint-command every command goes through the script in order, the NAMES file lands on the 191 image, the batch is published. */
    @Test
    void runsThroughTheSiteCommandWritesNamesAndPublishes(@TempDir Path dir) throws Exception {
        Path directory = extract(dir.resolve("zvm"));
        Path spec = Files.writeString(dir.resolve("web.yaml"), spec("web-r"));
        Path disk = dir.resolve("lnxmstr-191.img");
        try (RandomAccessFile file = new RandomAccessFile(disk.toFile(), "rw")) {
            file.setLength(5L * 737_280);
        }
        EdfFileSystem.format(FileRegion.whole(disk), 4096, DiskLayout.CKD, "LNX191").close();
        Path script = dir.resolve("dirm.sh");
        Files.writeString(script, "#!/bin/sh\nshift\necho \"$*\" >> \"" + dir.resolve("dirm.log") + "\"\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        String[] args = {"submit", spec.toString(), "--directory-manager", "dirmaint", "--directory", directory.toString(),
            "--dirmaint-command", script + " --site zvm1", "--names-disk", disk.toString(), "--data", dir.resolve("data").toString(),
            "--bootstrap-servers", KAFKA.bootstrapServers(), "--topic-prefix", "dirmcli."};

        CapturedRun submitted = run(args);

        assertThat(submitted.code()).as(submitted.err()).isZero();
        assertThat(submitted.out()).contains("[1/18] DIRM ADD LINUX001 LIKE LNXPROTO PW AUTOONLY ... ok")
                .contains("[18/18] DIRM FOR LINUX003 LINK LNXMSTR 0203 0203 RR ... ok")
                .contains("NAMES entries written to LINUX NAMES on the CMS disk " + disk)
                .contains("submitted batch web-r: 3 clones");
        List<String> log = Files.readAllLines(dir.resolve("dirm.log"));
        assertThat(log).hasSize(18).first().isEqualTo("zvm1 DIRM ADD LINUX001 LIKE LNXPROTO PW AUTOONLY");
        try (EdfFileSystem cms = EdfFileSystem.open(FileRegion.whole(disk))) {
            assertThat(NamesFile.read(cms, CmsFileId.of("LINUX", "NAMES")).entry("LINUX003").orElseThrow().get("hostname"))
                    .contains("linux003.example.com");
        }
        CapturedRun status = run("status", "web-r", "--data", dir.resolve("data").toString(), "--bootstrap-servers",
                KAFKA.bootstrapServers(), "--topic-prefix", "dirmcli.");
        assertThat(status.out()).contains("web-r: 3 clones, 3 PLANNED");

        CapturedRun again = run(args);
        assertThat(again.out()).contains("was submitted before with this spec; nothing changed");
        assertThat(Files.readAllLines(dir.resolve("dirm.log"))).hasSize(18);
    }

    /** Each bad input is refused with a message that names it, and nothing runs. */
    @Test
    void refusesBadInputsWithAMessage(@TempDir Path dir) throws Exception {
        Path directory = extract(dir.resolve("zvm"));
        Path spec = Files.writeString(dir.resolve("web.yaml"), spec("web-b"));
        String data = dir.resolve("data").toString();

        CapturedRun unknown = run("submit", spec.toString(), "--directory-manager", "smapi", "--data", data);
        assertThat(unknown.code()).isEqualTo(2);
        assertThat(unknown.err()).contains("--directory-manager 'smapi' is not known; give 'local'").doesNotContain("Exception");

        Path broken = dir.resolve("zvm/BROKEN.DIRECT");
        Files.writeString(broken, DIRECTORY.replace(" MDISK 0202 3390 26 10 MST001 MR", " MDISK 0202 3390 26"));
        CapturedRun badLine = run("submit", spec.toString(), "--directory-manager", "dirmaint", "--directory", broken.toString(),
                "--data", data);
        assertThat(badLine.code()).isEqualTo(1);
        assertThat(badLine.err()).contains(broken + " line 5").doesNotContain("Exception");

        Path plain = Files.writeString(dir.resolve("plain.sh"), "#!/bin/sh\n");
        CapturedRun notExecutable = run("submit", spec.toString(), "--directory-manager", "dirmaint", "--directory",
                directory.toString(), "--dirmaint-command", plain.toString(), "--names-file", dir.resolve("N").toString(),
                "--data", data);
        assertThat(notExecutable.code()).isEqualTo(2);
        assertThat(notExecutable.err()).contains("--dirmaint-command: the DirMaint command '" + plain + "' is not an executable file");

        Path noProto = Files.writeString(dir.resolve("noproto.yaml"), spec("web-b").replace("prototype: LNXPROTO", "prototype: LNXPROT9"));
        CapturedRun missing = run("submit", noProto.toString(), "--directory-manager", "dirmaint", "--directory", directory.toString(),
                "--data", data);
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("prototype").contains("LNXPROT9");

        CapturedRun appliedFirst = run("submit", spec.toString(), "--directory-manager", "dirmaint", "--directory", directory.toString(),
                "--dirmaint-applied", "--names-file", dir.resolve("N").toString(), "--data", data,
                "--bootstrap-servers", KAFKA.bootstrapServers(), "--topic-prefix", "dirmbad.");
        assertThat(appliedFirst.code()).isEqualTo(1);
        assertThat(appliedFirst.err()).contains("no DirMaint commands were printed for batch web-b");

        CapturedRun localWithDirectory = run("submit", spec.toString(), "--directory", directory.toString(), "--data", data);
        assertThat(localWithDirectory.code()).isEqualTo(2);
        assertThat(localWithDirectory.err()).contains("belong to --directory-manager dirmaint");
    }
}
