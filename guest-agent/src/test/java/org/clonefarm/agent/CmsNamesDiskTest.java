package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.DiskLayout;
import org.clonefarm.platform.cms.Ebcdic;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.cms.RecordFormat;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.proto.CloneEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The installed NAMES reader: the clone's entry from a NAMES file on a CMS EDF disk that is a byte
 * range of a volume image ({@code IMAGE:OFFSET:LENGTH}), found through the ServiceLoader like on a guest.
 */
@Timeout(60)
class CmsNamesDiskTest {
    private static final long OFFSET = 737_280L;
    private static final long LENGTH = 5 * 737_280L;

    @TempDir
    Path dir;

    private Path root;
    private Path image;
    private String location;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void masterDisk() throws IOException {
        root = GuestTree.create(dir.resolve("root"), "ID=\"sles\"\nVERSION_ID=\"15.6\"\n");
        image = dir.resolve("VOL001.img");
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[1]), 20 * 737_280L - 1);
        }
        FileRegion region = new FileRegion(image, OFFSET, LENGTH);
        location = region.toString();
        List<NamesEntry> entries = new ArrayList<>();
        GuestTree.entries().forEach((nick, tags) -> entries.add(NamesEntry.of(nick, tags)));
        try (EdfFileSystem disk = EdfFileSystem.format(region, 4096, DiskLayout.CKD, "MST191")) {
            NamesFile.of(entries).write(disk, CmsFileId.of("LINUX", "NAMES"), RecordFormat.F, NamesFile.DEFAULT_RECORD_LENGTH);
        }
    }

    private int run(String... args) {
        return AgentMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8), args);
    }

    /** The dry run reads LINUX001's entry, with DEFAULTS merged under it, from the EDF disk in the image. */
    @Test
    void readsTheClonesEntryFromTheNamesFileOnTheEdfDisk() {
        int exit = run("finalize", "--dry-run", "--root", root.toString(), "--userid", "LINUX001", "--names", location);

        assertThat(exit).as(err.toString(StandardCharsets.UTF_8)).isZero();
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines[lines.length - 1]).contains("\"hostname\":\"linux001\"", "\"ipaddr\":\"10.1.0.11\"",
                "\"gateway\":\"10.1.0.1\"", "\"interface\":\"enc600\"");
    }

    /** Another NAMES file name (names.file) on the same disk that does not exist is a read-config failure naming it. */
    @Test
    void missingNamesFileIsAReadConfigFailureNamingIt() {
        int exit = run("finalize", "--dry-run", "--root", root.toString(), "--userid", "LINUX001", "--names", location,
                "--set", "names.file=OTHER NAMES");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("read-config failed").contains("OTHER NAMES");
    }

    /**
     * A damaged disk (its volume label overwritten) fails finalize at read-config: marker and files
     * stay, and the spooled AgentFailed event says the disk is damaged.
     */
    @Test
    void damagedDiskFailsFinalizeAtReadConfigAndChangesNothing() throws IOException {
        try (FileChannel channel = FileChannel.open(image, StandardOpenOption.WRITE)) {
            channel.write(ByteBuffer.wrap(new byte[4096]), OFFSET + 2 * 4096);
        }
        Map<String, String> before = GuestTree.snapshot(root);

        int exit = run("finalize", "--root", root.toString(), "--userid", "LINUX001", "--names", location,
                "--set", "reboot.command=false");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("read-config failed").contains("damaged");
        assertThat(root.resolve("etc/rc.finalize")).exists();
        Map<String, String> after = GuestTree.snapshot(root);
        after.keySet().removeIf(k -> k.startsWith("var/"));
        assertThat(after).isEqualTo(before);
        List<CloneEvent> events = GuestAgent.builder(AgentConfig.defaults()).root(root).build().spooledEvents();
        CloneEvent last = events.get(events.size() - 1);
        assertThat(last.hasAgentFailed()).isTrue();
        assertThat(last.getAgentFailed().getStep()).isEqualTo("read-config");
        assertThat(last.getAgentFailed().getReason()).contains("damaged").contains(image.toString());
    }

    /** A 191 disk that is not there (not linked or not online) is a retryable read-config failure. */
    @Test
    void absentDiskIsARetryableReadConfigFailure() {
        String absent = dir.resolve("no-such-191.img") + ":0:" + LENGTH;
        AgentConfig config = AgentConfig.defaults().with(Map.of(AgentConfig.CONFIG_DISK, absent));

        AgentException failure = org.assertj.core.api.Assertions.catchThrowableOfType(AgentException.class,
                () -> CloneConfigSources.open(config.get(AgentConfig.CONFIG_DISK), "LINUX NAMES"));

        assertThat(failure.step()).isEqualTo(AgentStep.READ_CONFIG);
        assertThat(failure.retryable()).isTrue();
        assertThat(failure.getMessage()).contains("no-such-191.img");
    }

    /**
     * A :batch. value holding an EBCDIC newline (X'15') on the 191 disk is refused at read-config,
     * naming the tag and the value escaped; it adds no line to the agent's state file, and the
     * marker and the clone's files stay.
     */
    @Test
    void batchWithAnEbcdicNewlineIsRefusedAndAddsNothingToTheStateFile() throws IOException {
        List<NamesEntry> entries = new ArrayList<>();
        GuestTree.entries().forEach((nick, tags) -> entries.add(NamesEntry.of(nick, tags)));
        List<byte[]> records = new ArrayList<>();
        for (String record : NamesFile.of(entries).toRecords(NamesFile.DEFAULT_RECORD_LENGTH)) {
            String injected = record.replace(":batch.b-42", ":batch.b-42\nboots=999");
            byte[] bytes = new byte[injected.length()];
            for (int i = 0; i < injected.length(); i++) {
                bytes[i] = Ebcdic.encodeChar(injected.charAt(i));
            }
            records.add(bytes);
        }
        assertThat(records).as("a record holds X'15'")
                .anyMatch(r -> new String(r, StandardCharsets.ISO_8859_1).indexOf(Ebcdic.NEWLINE) >= 0);
        try (EdfFileSystem disk = EdfFileSystem.openForUpdate(FileRegion.parse(location))) {
            disk.write(CmsFileId.of("LINUX", "NAMES"), RecordFormat.V, 0, records);
        }
        Map<String, String> before = GuestTree.snapshot(root);

        int exit = run("finalize", "--root", root.toString(), "--userid", "LINUX001", "--names", location,
                "--set", "reboot.command=true");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).isEqualTo("clonefarm-agent: read-config failed: the NAMES entry"
                + " of LINUX001 has :batch. 'b-42\\nboots=999', which holds a control character\n");
        Path state = root.resolve("var/lib/clonefarm/agent/agent.state");
        if (Files.exists(state)) {
            assertThat(Files.readAllLines(state)).noneMatch(line -> line.contains("999"));
        }
        assertThat(root.resolve("etc/rc.finalize")).exists();
        Map<String, String> after = GuestTree.snapshot(root);
        assertThat(after).isEqualTo(before);
        List<CloneEvent> events = GuestAgent.builder(AgentConfig.defaults()).root(root).build().spooledEvents();
        CloneEvent last = events.get(events.size() - 1);
        assertThat(last.getAgentFailed().getStep()).isEqualTo("read-config");
        assertThat(last.getAgentFailed().getReason()).contains(":batch. 'b-42\\nboots=999'");
    }
}
