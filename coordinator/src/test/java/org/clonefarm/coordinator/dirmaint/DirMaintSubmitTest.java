package org.clonefarm.coordinator.dirmaint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.clonefarm.coordinator.commands.BatchCommands.BatchCommandException;
import org.clonefarm.coordinator.state.EventLogSnapshot;
import org.clonefarm.coordinator.simulation.SimulationBatchCommandsTest;
import org.clonefarm.coordinator.simulation.TestFarms;
import org.clonefarm.coordinator.publish.BatchPublisher;
import org.clonefarm.coordinator.publish.RequestLog;
import org.clonefarm.coordinator.publish.NamesTarget;
import org.clonefarm.coordinator.state.CloneStateStore;
import org.clonefarm.messaging.EventFactory;
import org.clonefarm.messaging.EventPublisher;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.messaging.TopicLayout;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.DirectoryException;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.volume.Extent;
import org.clonefarm.proto.CloneState;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Submit through DirMaint against a USER DIRECT extract (the small test master's directory and
 * EXTENT CONTROL as files): the printed EXEC, commands run through a real shell script, a failure
 * mid-batch and the re-run that continues, and inputs that are refused.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class DirMaintSubmitTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    /** A site command that logs its arguments and fails for LINUX002's AMDISKs while {@code fail} exists. */
    private static Path wrapper(Path dir) throws Exception {
        Path script = dir.resolve("dirm-wrapper.sh");
        Files.writeString(script, """
                #!/bin/sh
                if [ -e "%1$s/fail" ] && [ "$3" = "LINUX002" ] && [ "$4" = "AMDISK" ]; then
                  echo "DVHAMD3212E simulated: no room on the volume for $3" >&2
                  exit 12
                fi
                echo "$*" >> "%1$s/dirm.log"
                echo "DVHREQ2289I Your DIRM request has completed"
                """.formatted(dir));
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    private static CloneStateStore snapshot(KafkaSettings settings, TopicLayout layout) {
        try {
            return EventLogSnapshot.read(settings, layout, Duration.ofSeconds(60));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static final DirMaintSubmit.Progress QUIET = new DirMaintSubmit.Progress() {
        @Override
        public void running(int number, int total, DirMaintCommand command) {
        }

        @Override
        public void applied(int number, int total, DirMaintCommand command, String stdout) {
        }
    };

    private static DirMaintSubmit submitter(SimulationDataDirectory data, Path root) {
        return new DirMaintSubmit(data.directoryFile(), data.extentControlFile(), root.resolve("journals"), Clock.systemUTC());
    }

    /** The EXEC's AMDISKs are exactly the plan's extents, overlap nothing, and every line fits 72 columns. */
    @Test
    void printedCommandsCarryThePlannedExtentsAndOverlapNothing(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root.resolve("data"), 200);
        UserDirectory before = UserDirectory.read(data.directoryFile());
        DirMaintSubmit submit = submitter(data, root);

        DirMaintSubmit.Outcome outcome = submit.print(SimulationBatchCommandsTest.spec("web-01", "LINUX001-LINUX004", "10.1.1.21"), null);

        String exec = outcome.exec();
        assertThat(exec.lines()).allSatisfy(line -> assertThat(line.length()).isLessThanOrEqualTo(72));
        assertThat(exec).startsWith("/* REXX: clonefarm batch web-01 */").contains("Clone LINUX003: linux003.example.com 10.1.1.23");
        List<DirMaintCommand> commands = DirMaintScript.commandsOf(exec);
        assertThat(commands).hasSize(4 * 6);
        assertThat(commands.get(0).text()).isEqualTo("DIRM ADD LINUX001 LIKE LNXPROTO PW AUTOONLY");
        assertThat(commands.subList(1, 6)).extracting(DirMaintCommand::text).containsExactly(
                "DIRM FOR LINUX001 LINK LNXMSTR 0191 0191 RR",
                commands.get(2).text(),
                "DIRM FOR LINUX001 AMDISK 0201 FB-512 V-DISK 524288 MR",
                commands.get(4).text(),
                "DIRM FOR LINUX001 LINK LNXMSTR 0203 0203 RR");

        DirMaintJournal journal = DirMaintJournal.read(outcome.journal()).orElseThrow();
        List<Extent> planned = new ArrayList<>();
        for (DirectoryEntry entry : journal.entries()) {
            entry.minidisks().stream().map(MdiskStatement::extent).flatMap(java.util.Optional::stream).forEach(planned::add);
        }
        List<Extent> printed = new ArrayList<>();
        for (DirMaintCommand command : commands) {
            List<String> w = command.words();
            if (w.get(3).equals("AMDISK") && !w.get(6).equals("V-DISK")) {
                assertThat(w.get(5)).isEqualTo("3390");
                printed.add(new Extent(new Volser(w.get(8)), DeviceType.DASD_3390, Long.parseLong(w.get(6)), Long.parseLong(w.get(7))));
            }
        }
        assertThat(printed).hasSize(8).containsExactlyElementsOf(planned);
        for (int i = 0; i < printed.size(); i++) {
            for (int j = i + 1; j < printed.size(); j++) {
                assertThat(printed.get(i).overlaps(printed.get(j))).as(printed.get(i) + " vs " + printed.get(j)).isFalse();
            }
            for (Extent used : before.usedExtents()) {
                assertThat(printed.get(i).overlaps(used)).as(printed.get(i) + " vs the directory's " + used).isFalse();
            }
        }
        assertThat(UserDirectory.read(data.directoryFile())).as("the extract is only read").isEqualTo(before);
    }

    /** Every command runs once, in the journal's order; then the NAMES file is on the 191 and the batch is published. */
    @Test
    void runAppliesEveryCommandInOrderThenWritesNamesAndPublishes(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root.resolve("data"), 200);
        Path script = wrapper(root);
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        TopicLayout layout = TopicLayout.builder().prefix("dirmrun.").build();
        try (Admin admin = Admin.create(settings.admin("t"))) {
            layout.ensure(admin, 30_000);
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("dirm-test"))) {
            BatchPublisher publisher = new BatchPublisher(new EventPublisher(producer, layout, new EventFactory("dirm-test"),
                FarmKey.of(new byte[FarmKey.LENGTH])),
                    RequestLog.onTopic(settings, layout, Duration.ofSeconds(60)));
            NamesTarget names = new NamesTarget.CmsDisk(data.resolve(new Userid("LNXMSTR"), new Vaddr("0191")),
                    CmsFileId.of("LINUX", "NAMES"));
            String spec = SimulationBatchCommandsTest.spec("web-02", "LINUX001-LINUX003", "10.1.1.21");
            DirMaintSubmit submit = submitter(data, root);

            DirMaintSubmit.Outcome outcome = submit.run(spec, () -> snapshot(settings, layout),
                    ExternalDirMaint.of(script.toString(), Duration.ofSeconds(30)), names, publisher, QUIET);

            assertThat(outcome.ran()).isEqualTo(18);
            List<String> log = Files.readAllLines(root.resolve("dirm.log"), StandardCharsets.UTF_8);
            assertThat(log).containsExactlyElementsOf(DirMaintJournal.read(outcome.journal()).orElseThrow().commands()
                    .stream().map(DirMaintCommand::text).toList());
            try (EdfFileSystem disk = EdfFileSystem.open(data.resolve(new Userid("LNXMSTR"), new Vaddr("0191")))) {
                NamesFile file = NamesFile.read(disk, CmsFileId.of("LINUX", "NAMES"));
                assertThat(file.entries()).hasSize(3);
                assertThat(file.entry("LINUX002").orElseThrow().get("ipaddr")).contains("10.1.1.22");
            }
            assertThat(snapshot(settings, layout).batch("web-02").count(CloneState.CLONE_STATE_PLANNED)).isEqualTo(3);

            DirMaintSubmit.Outcome again = submit.run(spec, () -> snapshot(settings, layout),
                    ExternalDirMaint.of(script.toString(), Duration.ofSeconds(30)), names, publisher, QUIET);
            assertThat(again.submitted().alreadySubmitted()).isTrue();
            assertThat(Files.readAllLines(root.resolve("dirm.log"))).as("nothing ran again").hasSize(18);
        }
    }

    /** A failure for LINUX002 stops the batch naming clone, command, exit code and stderr; the re-run applies only the rest. */
    @Test
    void failureMidBatchStopsAndReRunAppliesOnlyTheRest(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root.resolve("data"), 200);
        Path script = wrapper(root);
        Files.createFile(root.resolve("fail"));
        KafkaSettings settings = KafkaSettings.of(KAFKA.bootstrapServers());
        TopicLayout layout = TopicLayout.builder().prefix("dirmfail.").build();
        try (Admin admin = Admin.create(settings.admin("t"))) {
            layout.ensure(admin, 30_000);
        }
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(settings.producer("dirm-test"))) {
            BatchPublisher publisher = new BatchPublisher(new EventPublisher(producer, layout, new EventFactory("dirm-test"),
                FarmKey.of(new byte[FarmKey.LENGTH])),
                    RequestLog.onTopic(settings, layout, Duration.ofSeconds(60)));
            Path namesFile = root.resolve("LINUX.NAMES");
            NamesTarget names = new NamesTarget.TextFile(namesFile);
            String spec = SimulationBatchCommandsTest.spec("web-03", "LINUX001-LINUX003", "10.1.1.21");
            DirMaintSubmit submit = submitter(data, root);
            ExternalDirMaint runner = ExternalDirMaint.of(script.toString(), Duration.ofSeconds(30));

            assertThatThrownBy(() -> submit.run(spec, () -> snapshot(settings, layout), runner, names, publisher, QUIET))
                    .isInstanceOf(DirMaintException.class)
                    .hasMessageContaining("command 9 of 18 for clone LINUX002 failed: 'DIRM FOR LINUX002 AMDISK 0200 3390")
                    .hasMessageContaining("exited with 12")
                    .hasMessageContaining("DVHAMD3212E simulated: no room on the volume for LINUX002")
                    .hasMessageContaining("8 commands are applied and recorded in " + submit.journalFile("web-03"))
                    .hasMessageContaining("run the same submit again");
            assertThat(Files.readAllLines(root.resolve("dirm.log"))).hasSize(8);
            assertThat(namesFile).doesNotExist();
            assertThat(snapshot(settings, layout).batch("web-03")).as("nothing published").isNull();

            Files.delete(root.resolve("fail"));
            DirMaintSubmit.Outcome rerun = submit.run(spec, () -> snapshot(settings, layout), runner, names, publisher, QUIET);

            assertThat(rerun.skipped()).isEqualTo(8);
            assertThat(rerun.ran()).isEqualTo(10);
            List<String> log = Files.readAllLines(root.resolve("dirm.log"));
            assertThat(log).containsExactlyElementsOf(DirMaintJournal.read(rerun.journal()).orElseThrow().commands()
                    .stream().map(DirMaintCommand::text).toList());
            assertThat(NamesFile.parse(Files.readAllLines(namesFile)).entries()).hasSize(3);
            assertThat(snapshot(settings, layout).batch("web-03").count(CloneState.CLONE_STATE_PLANNED)).isEqualTo(3);
        }
    }

    /** A re-run against a fresh extract that already holds the applied clones plans the same extents. */
    @Test
    void reRunAgainstAFreshExtractKeepsThePlan(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root.resolve("data"), 200);
        DirMaintSubmit submit = submitter(data, root);
        String spec = SimulationBatchCommandsTest.spec("web-04", "LINUX001-LINUX002", "10.1.1.21");
        DirMaintJournal journal = DirMaintJournal.read(submit.print(spec, null).journal()).orElseThrow();
        for (int i = 0; i < 6; i++) {
            journal.markApplied(i); // LINUX001 made on z/VM
        }
        UserDirectory extract = UserDirectory.read(data.directoryFile());
        DirectoryEntry made = journal.entries().get(0);
        extract.add(DirectoryEntry.of(made.header(), made.body().subList(1, made.body().size()))); // as DirMaint shows it: no marker
        extract.write(data.directoryFile());

        DirMaintSubmit.Outcome again = submit.print(spec, null);

        assertThat(again.skipped()).isEqualTo(6);
        assertThat(DirMaintScript.commandsOf(again.exec())).extracting(DirMaintCommand::text)
                .containsExactlyElementsOf(journal.commands().subList(6, 12).stream().map(DirMaintCommand::text).toList());
    }

    /** A directory line that does not parse, a missing prototype, a command that is not executable, another spec under the batch. */
    @Test
    void refusesBadInputsWithTheirPlace(@TempDir Path root) throws Exception {
        SimulationDataDirectory data = TestFarms.smallMaster(root.resolve("data"), 200);
        DirMaintSubmit submit = submitter(data, root);
        String spec = SimulationBatchCommandsTest.spec("web-05", "LINUX001-LINUX002", "10.1.1.21");

        assertThatThrownBy(() -> submit.print(spec.replace("prototype: LNXPROTO", "prototype: NOPROTO"), null))
                .isInstanceOf(BatchCommandException.class).hasMessageContaining("prototype").hasMessageContaining("NOPROTO");

        Path notExecutable = root.resolve("plain.sh");
        Files.writeString(notExecutable, "#!/bin/sh\n");
        assertThatThrownBy(() -> ExternalDirMaint.of(notExecutable + " --site", Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(notExecutable + "' is not an executable file");
        assertThatThrownBy(() -> ExternalDirMaint.of("no-such-dirm-wrapper", Duration.ofSeconds(1)))
                .hasMessageContaining("'no-such-dirm-wrapper' is not an executable file on PATH");

        submit.print(spec, null);
        assertThatThrownBy(() -> submit.print(spec.replace("10.1.1.21", "10.1.1.31"), null))
                .isInstanceOf(BatchCommandException.class).hasMessageContaining("batch web-05 was started with another spec");

        String text = Files.readString(data.directoryFile());
        Files.writeString(data.directoryFile(), text.replace(" MDISK 0200 3390 6 20 MST001 MR", " MDISK 0200 3390 six 20 MST001 MR"));
        assertThatThrownBy(() -> submit.print(spec, null))
                .isInstanceOf(DirectoryException.class).hasMessageContaining(data.directoryFile() + " line 5");
    }
}
