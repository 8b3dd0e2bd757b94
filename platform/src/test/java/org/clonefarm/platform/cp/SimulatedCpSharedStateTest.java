package org.clonefarm.platform.cp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.clonefarm.platform.directory.LinkMode;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.simulation.SimulatedCp;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated CP is one CP for every process on a data directory: its state lives in
 * {@code <data>/cp/state}, links outlive the process that made them, and a guest's logon dies with the
 * process that runs it.
 */
@Timeout(120)
class SimulatedCpSharedStateTest {

    static final Userid WORKER = Userid.of("WORKER1");
    static final Userid WORKER2 = Userid.of("WORKER2");
    static final Userid CLONE = Userid.of("LINUX001");
    static final Vaddr ROOT = Vaddr.of("200");

    @TempDir
    Path dir;
    SimulationDataDirectory data;
    final List<Process> children = new ArrayList<>();

    @BeforeEach
    void createData() throws IOException {
        data = SimulationDataDirectory.at(dir.resolve("data"));
        data.createVolume(Volser.of("LX0001"), DeviceType.DASD_3390, 200, null);
        data.writeDirectory(UserDirectory.parse("""
                USER LINUX001 PW 1G 2G G
                 MDISK 0200 3390 1 50 LX0001 MR
                 MDISK 0201 FB-512 V-DISK 1000 MR
                """, "USER.DIRECT"));
    }

    @AfterEach
    void killChildren() throws InterruptedException {
        for (Process child : children) {
            child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private Process child(String name, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m", "-cp", System.getProperty("java.class.path"), SimulatedCpChild.class.getName()));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectOutput(dir.resolve(name + ".out").toFile())
                .redirectError(dir.resolve(name + ".err").toFile()).start();
        children.add(process);
        return process;
    }

    private String out(String name) throws IOException {
        return Files.readString(dir.resolve(name + ".out"), StandardCharsets.UTF_8);
    }

    /** A link made by a process that has ended is still there for another process, and CP's link rules count it. */
    @Test
    void linkOfAnEndedProcessIsSeenByAnotherProcess() throws Exception {
        Process linker = child("link", "link", data.root().toString(), WORKER2.value(), CLONE.value(), "0200", "1200", "M");
        assertThat(linker.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(linker.exitValue()).as(Files.readString(dir.resolve("link.err"))).isZero();
        assertThat(out("link")).contains("LINKED R/W");

        try (SimulatedCp system = SimulatedCp.withoutGuests(data, "ZVMSIM")) {
            LinkedMinidisk linked = system.linked(WORKER2, Vaddr.of("1200")).orElseThrow();
            assertThat(linked.owner()).isEqualTo(CLONE);
            assertThat(linked.write()).isTrue();
            assertThat(linked.region()).isEqualTo(data.resolve(CLONE, ROOT));
            assertThat(system.session(WORKER2).queryVirtualDasds()).extracting(VirtualDasd::vaddr).containsExactly(Vaddr.of("1200"));
            assertThatThrownBy(() -> system.session(WORKER).link(CLONE, ROOT, Vaddr.of("1200"), LinkMode.M))
                    .isInstanceOfSatisfying(CpException.class, e -> assertThat(e.getMessage()).contains("R/W by WORKER2"));
            assertThat(system.session(WORKER).link(CLONE, ROOT, Vaddr.of("1200"), LinkMode.RR).readWrite()).isFalse();

            system.session(WORKER2).detach(Vaddr.of("1200"));
        }
        try (SimulatedCp later = SimulatedCp.withoutGuests(data, "ZVMSIM")) {
            assertThat(later.linked(WORKER2, Vaddr.of("1200"))).isEmpty();
            assertThat(later.linked(WORKER, Vaddr.of("1200"))).isPresent();
        }
    }

    /**
     * This process keeps the state it last read to skip parsing it again, yet sees what another process
     * changed after that read; a query replaces nothing.
     */
    @Test
    void changeOfAnotherProcessIsSeenAfterThisProcessReadTheState() throws Exception {
        try (SimulatedCp system = SimulatedCp.withoutGuests(data, "ZVMSIM")) {
            system.session(WORKER).link(CLONE, ROOT, Vaddr.of("1201"), LinkMode.RR);
            Object written = Files.readAttributes(system.stateFile(), BasicFileAttributes.class).fileKey();
            assertThat(system.linked(WORKER2, Vaddr.of("1200"))).isEmpty();
            assertThat(Files.readAttributes(system.stateFile(), BasicFileAttributes.class).fileKey()).isEqualTo(written);

            Process linker = child("link", "link", data.root().toString(), WORKER2.value(), CLONE.value(), "0200", "1200", "M");
            assertThat(linker.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(linker.exitValue()).as(Files.readString(dir.resolve("link.err"))).isZero();

            assertThat(system.linked(WORKER2, Vaddr.of("1200"))).hasValueSatisfying(l -> assertThat(l.write()).isTrue());
            assertThat(system.linked(WORKER, Vaddr.of("1201"))).isPresent();
            system.session(WORKER2).detach(Vaddr.of("1200"));
            assertThat(Files.readString(system.stateFile())).doesNotContain("WORKER2").contains("LINK WORKER1 1201 LINUX001 0200");
        }
    }

    /** A guest's logon names its process: while it runs its disks are held R/W; once it is killed, it is logged off. */
    @Test
    void logonOfAKilledProcessIsDroppedWithItsLinks() throws Exception {
        Process guests = child("guests", "xautolog", data.root().toString(), CLONE.value());
        await().atMost(Duration.ofSeconds(60)).until(() -> out("guests").contains("LOGGED ON"));
        try (SimulatedCp system = SimulatedCp.withoutGuests(data, "ZVMSIM")) {
            assertThat(system.isLoggedOn(CLONE)).isTrue();
            assertThat(Files.readString(system.stateFile())).contains("LOGON LINUX001 " + guests.pid());
            assertThat(data.vdiskImage(CLONE, Vaddr.of("201"))).exists();
            assertThatThrownBy(() -> system.session(WORKER).link(CLONE, ROOT, Vaddr.of("1200"), LinkMode.M))
                    .isInstanceOfSatisfying(CpException.class, e -> assertThat(e.kind()).isEqualTo(CpException.Kind.LINK_CONFLICT));
            assertThatThrownBy(() -> system.session(WORKER).force(CLONE))
                    .isInstanceOfSatisfying(CpException.class, e -> assertThat(e.getMessage()).contains("process " + guests.pid()));

            guests.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

            assertThat(system.isLoggedOn(CLONE)).isFalse();
            assertThat(system.linked(CLONE, ROOT)).isEmpty();
            assertThat(data.vdiskImage(CLONE, Vaddr.of("201"))).doesNotExist();
            assertThat(Files.readString(system.stateFile())).doesNotContain("LINUX001");
            assertThat(system.session(WORKER).link(CLONE, ROOT, Vaddr.of("1200"), LinkMode.M).readWrite()).isTrue();
        }
    }

    /** Many writers racing for one minidisk through separate systems get exactly one R/W link. */
    @Test
    void racingWritersGetOneWriteLink() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                Userid worker = Userid.of("WORKER" + i);
                Callable<Boolean> link = () -> {
                    try (SimulatedCp system = SimulatedCp.withoutGuests(data, "ZVMSIM")) {
                        system.session(worker).link(CLONE, ROOT, Vaddr.of("1200"), LinkMode.M);
                        return true;
                    } catch (CpException e) {
                        assertThat(e.kind()).isEqualTo(CpException.Kind.LINK_CONFLICT);
                        return false;
                    }
                };
                results.add(pool.submit(link));
            }
            int granted = 0;
            for (Future<Boolean> result : results) {
                granted += result.get(60, TimeUnit.SECONDS) ? 1 : 0;
            }
            assertThat(granted).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
    }

    /** A process without a guest runtime cannot XAUTOLOG, and says where to do it instead. */
    @Test
    void systemWithoutGuestsRefusesXautolog() {
        try (SimulatedCp system = SimulatedCp.withoutGuests(data, "ZVMSIM")) {
            assertThatThrownBy(() -> system.session(WORKER).xautolog(CLONE)).isInstanceOfSatisfying(CpException.class, e -> {
                assertThat(e.kind()).isEqualTo(CpException.Kind.FAILED);
                assertThat(e.getMessage()).contains("runs no guests");
            });
            assertThat(system.isLoggedOn(CLONE)).isFalse();
            assertThat(data.vdiskImage(CLONE, Vaddr.of("201"))).doesNotExist();
        }
    }
}
