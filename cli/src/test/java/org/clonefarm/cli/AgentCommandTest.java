package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code clonefarm agent ...} as a user runs it on a mounted clone. */
@Timeout(60)
class AgentCommandTest {
    @TempDir
    Path root;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
    }

    private void master() throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/os-release"), "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n");
        Files.writeString(root.resolve("etc/hostname"), "lnxmstr\n");
        Files.writeString(root.resolve("etc/rc.finalize"), "finalize me\n");
    }

    private static String names(String key) {
        return MemoryNamesProvider.register(key, Map.of(
                "DEFAULTS", Map.of("netmask", "24", "gateway", "192.168.5.1"),
                "LINUX001", Map.of("ipaddr", "192.168.5.21", "interface", "eth1")));
    }

    /** agent finalize --dry-run prints the settings as JSON on its last line and writes nothing. */
    @Test
    void dryRunPrintsSettingsJsonAsLastLine() throws IOException {
        master();

        int exit = run("agent", "finalize", "--dry-run", "--root", root.toString(), "--userid", "LINUX001",
                "--names", names("cli-dry"));

        assertThat(exit).as(err.toString()).isZero();
        String[] lines = out.toString().split("\n");
        assertThat(lines[lines.length - 1]).startsWith("{\"userid\":\"LINUX001\",\"hostname\":\"linux001\"")
                .contains("\"ipaddr\":\"192.168.5.21\"", "\"netmask\":\"255.255.255.0\"", "\"gateway\":\"192.168.5.1\"",
                        "\"interface\":\"eth1\"", "\"distribution\":\"rhel\"", "\"network\":\"networkmanager-keyfile\"");
        assertThat(out.toString()).contains("would write /etc/NetworkManager/system-connections/eth1.nmconnection");
        assertThat(root.resolve("etc/NetworkManager")).doesNotExist();
        assertThat(root.resolve("var")).doesNotExist();
    }

    /** agent finalize configures the clone, removes the marker and runs the reboot command. */
    @Test
    void finalizeConfiguresRemovesMarkerAndReboots() throws IOException {
        master();

        int exit = run("agent", "finalize", "--root", root.toString(), "--userid", "LINUX001", "--names",
                names("cli-run"), "--set", "reboot.command=touch " + root.resolve("rebooted"), "--spool-only");

        assertThat(exit).as(err.toString()).isZero();
        assertThat(Files.readString(root.resolve("etc/hostname"))).isEqualTo("linux001\n");
        assertThat(root.resolve("etc/rc.finalize")).doesNotExist();
        assertThat(root.resolve("rebooted")).exists();
        assertThat(out.toString()).contains("reboot requested");
    }

    /** A missing entry exits 1 with one sentence naming the step and the userid; the marker stays. */
    @Test
    void missingEntryExitsOneNamingTheUseridAndKeepsTheMarker() throws IOException {
        master();

        int exit = run("agent", "finalize", "--root", root.toString(), "--userid", "LINUX404", "--names",
                names("cli-missing"), "--spool-only");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("read-config failed").contains("no entry for LINUX404")
                .doesNotContain("Exception");
        assertThat(root.resolve("etc/rc.finalize")).exists();
    }

    /** A location no installed reader serves (neither an absolute path nor an existing file) is named in the error. */
    @Test
    void locationWithoutReaderIsNamedInTheError() throws IOException {
        master();

        int exit = run("agent", "finalize", "--dry-run", "--root", root.toString(), "--userid", "LINUX001",
                "--names", "nowhere-191.img");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("no installed NAMES reader serves").contains("nowhere-191.img");
    }

    /** A 191 image that does not exist is a retryable read-config failure naming it (the CMS reader serves it). */
    @Test
    void missingConfigDiskImageIsNamedInTheError() throws IOException {
        master();

        int exit = run("agent", "finalize", "--dry-run", "--root", root.toString(), "--userid", "LINUX001",
                "--names", root.resolve("no-such-191.img").toString());

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("read-config failed").contains("no-such-191.img").contains("does not exist")
                .contains("retryable");
    }

    /** A bad key in --set is a clear error naming the key. */
    @Test
    void unknownSettingIsRefusedNamingIt() throws IOException {
        master();

        int exit = run("agent", "finalize", "--dry-run", "--root", root.toString(), "--userid", "LINUX001",
                "--set", "markr.path=/x");

        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("agent-config failed").contains("unknown key 'markr.path'");
    }

    /** --help explains every option of finalize. */
    @Test
    void helpExplainsEveryFinalizeOption() {
        assertThat(run("agent", "finalize", "--help")).isZero();
        assertThat(out.toString()).contains("--root", "--config", "--userid", "--names", "--set", "--spool-only",
                "--dry-run");
    }

    /**
     * {@code clonefarm agent keys}, run as a user runs it (its own JVM, which exits right after),
     * prints the agent properties keys and every NAMES tag the agent reads, each with its meaning.
     */
    @Test
    void keysPrintsEveryKeyAndNamesTagWhenRunAsACommand() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "agent", "keys")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String text = new String(child.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);

        assertThat(child.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(child.exitValue()).isZero();
        assertThat(text).contains("config.disk (default: /dev/disk/by-path/ccw-0.0.0191,/dev/disk/by-id/virtio-0191)",
                "Tags of a clone's NAMES entry");
        for (String tag : new String[] {"hostname", "domain", "ipaddr", "netmask", "prefix", "gateway", "ipaddr6",
            "prefix6", "gateway6", "nameservers", "interface", "macaddr", "batch", "attempt", "disks"}) {
            assertThat(text).as(tag).containsPattern("(?m)^:" + tag + "\\.\n    \\S.+$");
        }
    }
}
