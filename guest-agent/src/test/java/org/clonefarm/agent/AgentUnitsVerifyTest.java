package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent's systemd units as systemd reads them: installed into a master root by {@link AgentUnits}
 * next to this machine's own systemd units (Debian 12's systemd 252), checked with the real
 * {@code systemd-analyze verify --root}, which loads each unit and its start transaction (unknown keys,
 * bad values, missing executables, missing or cyclic dependencies); any line it prints about our
 * units fails the test. And the order the README promises: finalize after local-fs and udev's
 * coldplug, before network-pre (so the master's address never reaches the wire); report-ready after
 * network-online, which it wants.
 */
@Timeout(120)
class AgentUnitsVerifyTest {
    private static final Path SYSTEM_UNITS = Path.of("/usr/lib/systemd/system");

    @TempDir
    Path root;

    @BeforeEach
    void masterRootWithSystemd() throws Exception {
        assertThat(SYSTEM_UNITS.resolve("network-online.target")).as("this machine's systemd units").exists();
        Files.createDirectories(root.resolve("usr/lib/systemd"));
        run(List.of("cp", "-a", SYSTEM_UNITS.toString(), root.resolve("usr/lib/systemd").toString()));
        for (String tool : List.of("usr/bin/java", "usr/bin/ssh-keygen")) { // what ExecStart runs, as in the master
            Path file = root.resolve(tool);
            Files.createDirectories(file.getParent());
            Files.writeString(file, "#!/bin/sh\n");
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        AgentUnits.installInto(root);
    }

    /** systemd-analyze verify has nothing to say about the installed units. */
    @Test
    void installedUnitsPassSystemdAnalyzeVerify() throws Exception {
        Verify verify = verify(AgentUnits.SYSTEMD_UNITS);

        assertThat(verify.exit()).as(verify.output()).isZero();
        assertThat(verify.linesAbout("clonefarm-")).isEmpty();
    }

    /** The check can fail: a unit with an unknown key and a missing executable is reported. */
    @Test
    void verifyReportsABrokenUnit() throws Exception {
        Files.writeString(root.resolve("etc/systemd/system/clonefarm-broken.service"),
                "[Unit]\nDescription=broken\nAfterr=network-online.target\n[Service]\nType=oneshot\n"
                        + "ExecStart=/usr/bin/no-such-tool\n");

        Verify verify = verify(List.of("clonefarm-broken.service"));

        assertThat(verify.exit()).isNotZero();
        assertThat(verify.linesAbout("clonefarm-broken")).anyMatch(l -> l.contains("Afterr"))
                .anyMatch(l -> l.contains("/usr/bin/no-such-tool"));
    }

    /** finalize: after local-fs and udev's coldplug, before network-pre (pulled in); report-ready: after network-online (wanted). */
    @Test
    void unitsAreOrderedAsPromised() throws IOException {
        Map<String, List<String>> finalize = unit("clonefarm-finalize.service");
        Map<String, List<String>> ready = unit("clonefarm-report-ready.service");

        assertThat(finalize.get("After")).contains("local-fs.target", "systemd-udev-trigger.service");
        assertThat(finalize.get("Before")).contains("network-pre.target", "sysinit.target");
        assertThat(finalize.get("Wants")).contains("network-pre.target");
        assertThat(finalize.get("DefaultDependencies")).containsExactly("no");
        assertThat(finalize.get("ConditionPathExists")).containsExactly("/etc/rc.finalize");
        assertThat(ready.get("After")).contains("network-online.target");
        assertThat(ready.get("Wants")).contains("network-online.target");
        assertThat(ready.get("ConditionPathExists")).containsExactly("!/etc/rc.finalize");
        assertThat(root.resolve("etc/systemd/system/sysinit.target.wants/clonefarm-finalize.service")).isSymbolicLink();
        assertThat(root.resolve("etc/systemd/system/multi-user.target.wants/clonefarm-report-ready.service"))
                .isSymbolicLink();
    }

    /** systemd warns at every boot about a unit others cannot read; a system without OpenSSH makes no host keys. */
    @Test
    void unitsAreWorldReadableAndHostKeysNeedSshKeygen() throws IOException {
        for (String unit : AgentUnits.SYSTEMD_UNITS) {
            assertThat(java.nio.file.Files.getPosixFilePermissions(root.resolve("etc/systemd/system").resolve(unit)))
                    .as(unit).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_READ);
        }
        assertThat(AgentUnits.text("clonefarm-hostkeys.service")).contains("ConditionFileIsExecutable=/usr/bin/ssh-keygen");
    }

    private record Verify(int exit, String output) {
        List<String> linesAbout(String unit) {
            return Arrays.stream(output.split("\n")).filter(line -> line.contains(unit)).toList();
        }
    }

    private Verify verify(List<String> units) throws Exception {
        List<String> command = new ArrayList<>(List.of("systemd-analyze", "verify", "--man=no", "--root=" + root));
        command.addAll(units);
        return run(command);
    }

    /** The unit's keys, each with its values split on blanks, from the installed file. */
    private Map<String, List<String>> unit(String name) throws IOException {
        Map<String, List<String>> keys = new LinkedHashMap<>();
        for (String line : Files.readAllLines(root.resolve("etc/systemd/system").resolve(name))) {
            int eq = line.indexOf('=');
            if (line.startsWith("#") || line.startsWith("[") || eq < 0) {
                continue;
            }
            keys.computeIfAbsent(line.substring(0, eq).trim(), k -> new ArrayList<>())
                    .addAll(List.of(line.substring(eq + 1).trim().split("\\s+")));
        }
        return keys;
    }

    private static Verify run(List<String> command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        byte[] output = process.getInputStream().readAllBytes();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(String.join(" ", command) + " did not end within 60 s");
        }
        return new Verify(process.exitValue(), new String(output, StandardCharsets.UTF_8));
    }
}
