package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.clonefarm.platform.layout.CloneLayout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The agent jar's command line: the dry run, its errors, and the units it installs. */
@Timeout(60)
class AgentMainTest {
    @TempDir
    Path root;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... args) {
        return AgentMain.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true,
                StandardCharsets.UTF_8), args);
    }

    /** --dry-run prints the settings as one JSON object on its last line and writes nothing. */
    @Test
    void dryRunPrintsSettingsAsLastJsonLineAndWritesNothing() {
        GuestTree.create(root, "ID=\"sles\"\nVERSION_ID=\"15.6\"\n");
        Map<String, String> before = GuestTree.snapshot(root);
        String names = InMemoryNamesProvider.register("dry-run", GuestTree.entries());

        int exit = run("finalize", "--dry-run", "--root", root.toString(), "--userid", "linux001", "--names", names);

        assertThat(exit).isZero();
        String[] lines = out.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines[lines.length - 1]).isEqualTo("{\"userid\":\"LINUX001\",\"hostname\":\"linux001\","
                + "\"domain\":\"example.com\",\"ipaddr\":\"10.1.0.11\",\"netmask\":\"255.255.255.0\","
                + "\"gateway\":\"10.1.0.1\",\"nameservers\":\"10.1.0.2 10.1.0.3\",\"interface\":\"enc600\","
                + "\"attempt\":\"1\",\"batch\":\"b-42\",\"disks\":\"0200 0201\",\"distribution\":\"sles\","
                + "\"network\":\"wicked-ifcfg\"}");
        assertThat(GuestTree.snapshot(root)).isEqualTo(before);
        assertThat(root.resolve("var")).doesNotExist();
    }

    /** A missing entry exits 1 with one sentence naming the userid. */
    @Test
    void dryRunForMissingEntryExitsNonZeroNamingTheUserid() {
        GuestTree.create(root, "ID=debian\n");
        String names = InMemoryNamesProvider.register("missing", GuestTree.entries());

        int exit = run("finalize", "--dry-run", "--root", root.toString(), "--userid", "LINUX077", "--names", names);

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("read-config failed").contains("no entry for LINUX077");
    }

    /** A malformed value exits 1 naming the value. */
    @Test
    void dryRunForMalformedValueExitsNonZeroNamingTheValue() {
        GuestTree.create(root, "ID=debian\n");
        String names = InMemoryNamesProvider.register("malformed", GuestTree.entries());

        int exit = run("finalize", "--dry-run", "--root", root.toString(), "--userid", "LINUX002", "--names", names);

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("10.1.0.300");
    }

    /** Unknown options are usage errors (exit 2). */
    @Test
    void unknownOptionIsAUsageError() {
        assertThat(run("finalize", "--rooot", "/")).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("unknown option --rooot");
    }

    /** The units install enabled into a master root, with the marker and the sample properties. */
    @Test
    void installsUnitsEnabledIntoAMasterRoot() throws IOException {
        AgentUnits.installInto(root);

        assertThat(GuestTree.read(root, "etc/systemd/system/clonefarm-finalize.service"))
                .contains("ConditionPathExists=/etc/rc.finalize").contains("finalize --spool-only");
        assertThat(GuestTree.read(root, "etc/systemd/system/clonefarm-report-ready.service"))
                .contains("After=network-online.target").contains("report-ready");
        assertThat(Files.readSymbolicLink(root.resolve("etc/systemd/system/sysinit.target.wants/clonefarm-finalize.service")))
                .isEqualTo(Path.of("/etc/systemd/system/clonefarm-finalize.service"));
        assertThat(root.resolve("etc/systemd/system/multi-user.target.wants/clonefarm-report-ready.service")).isSymbolicLink();
        assertThat(Files.isExecutable(root.resolve("etc/init.d/clonefarm-finalize"))).isTrue();
        assertThat(CloneLayout.inRoot(root, CloneLayout.FINALIZE_MARKER)).exists();
        assertThat(root.resolve(AgentUnits.INITRAMFS_RO_ROOT_PATH.substring(1))).as("no initramfs-tools in this master")
                .doesNotExist();
        Files.createDirectories(root.resolve("etc/initramfs-tools"));
        AgentUnits.installInto(root);
        Path initramfs = root.resolve(AgentUnits.INITRAMFS_RO_ROOT_PATH.substring(1));
        assertThat(Files.isExecutable(initramfs)).as("the RO root's initramfs script").isTrue();
        assertThat(GuestTree.read(root, AgentUnits.INITRAMFS_RO_ROOT_PATH.substring(1)))
                .contains("initrd --root " + CloneLayout.INITRD_MOUNT + " --var /var --spool-only --ready-after-network");
        AgentConfig sample = AgentConfig.load(root.resolve("etc/clonefarm/agent.properties"), true);
        assertThat(sample.get(AgentConfig.CONFIG_DISK_BUS_ID)).isEqualTo("0.0.0191");
    }

    /**
     * The units and scripts are text: each one that tests for the finalize marker or runs the agent names the
     * layout's marker and agent jar, so moving either in {@link CloneLayout} without the units fails here.
     */
    @Test
    void unitsNameTheLayoutsMarkerAndAgentJar() {
        for (String unit : List.of("clonefarm-finalize.service", "clonefarm-report-ready.service",
                "clonefarm-finalize.init", "clonefarm-report-ready.init")) {
            String text = AgentUnits.text(unit);
            assertThat(text).as(unit).contains(CloneLayout.FINALIZE_MARKER).contains("java -jar " + CloneLayout.AGENT_JAR);
            assertThat(text.replace(CloneLayout.FINALIZE_MARKER, "").replace(CloneLayout.AGENT_JAR, ""))
                    .as(unit + " without the layout's paths").doesNotContain("rc.finalize").doesNotContain("clonefarm-agent.jar");
        }
        String initramfs = AgentUnits.text(AgentUnits.INITRAMFS_RO_ROOT);
        assertThat(initramfs).contains("java -XX:-UsePerfData \\\n    -jar " + CloneLayout.AGENT_JAR)
                .contains(CloneLayout.INITRD_TREE).contains("\"${rootmnt}" + CloneLayout.INITRD_MOUNT + "\"");
        assertThat(AgentUnits.text(AgentUnits.SAMPLE_PROPERTIES))
                .contains(AgentConfig.MARKER_PATH + "=" + CloneLayout.FINALIZE_MARKER);
    }

    /** keys lists the agent properties keys and every NAMES tag the agent reads, each with a line of meaning. */
    @Test
    void keysListsThePropertiesKeysAndEveryNamesTagWithItsMeaning() {
        int exit = run("keys");

        assertThat(exit).isZero();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("bootstrap.servers (default: empty)", "Tags of a clone's NAMES entry");
        for (String tag : new String[] {"hostname", "domain", "ipaddr", "netmask", "prefix", "gateway", "nameservers",
            "interface", "batch", "attempt", "disks"}) {
            assertThat(text).as(tag).containsPattern("(?m)^:" + tag + "\\.\n    \\S.+$");
        }
    }
}
