package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The image tarballs Jib's buildTar made in the {@code images} profile (docs/deploy.md, "Container images"),
 * read from the files themselves: the tag, entry point, user and port each image gives a container runtime
 * agree with the clonefarm command (picocli's model) and with the Kubernetes and compose files that run them,
 * and each image runs: its file system is laid out layer on layer and its default command started the way a
 * runtime starts it (its user, its environment, {@code chroot} into its root, a fresh /proc).
 *
 * <p>Runs only in the {@code images} profile, after the cli module made the tarballs; needs root (chroot,
 * the owners and device nodes of the base layer).
 */
class ImageLayoutTest {
    private static final List<String> COMPONENTS = List.of("coordinator", "worker");
    /** Where the images profile's Jib configuration (cli/pom.xml) puts the application. */
    private static final String CLASSPATH_FILE = "app/jib-classpath-file";

    @TempDir
    static Path unpacked;
    private static final Map<String, Path> ROOTS = new HashMap<>();

    private static ImageTarball image(String component) {
        Path dir = Path.of(System.getProperty("clonefarm.images.dir", "../cli/target/jib"));
        return ImageTarball.read(dir.resolve(component + "-image.tar"));
    }

    /** The image's file system, laid out once per test class. */
    private static synchronized Path root(String component) {
        return ROOTS.computeIfAbsent(component, c -> {
            Path root = unpacked.resolve(c + "-root");
            try {
                Files.createDirectory(root);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            image(c).unpack(root);
            return root;
        });
    }

    private static List<JsonNode> rendered() {
        return DeployFiles.documents(DeployFiles.read(DeployFiles.RENDERED));
    }

    /** The Kubernetes workload that runs a component, from the committed clonefarm.yaml. */
    private static JsonNode workload(String component) {
        return component.equals("coordinator")
                ? DeployFiles.named(rendered(), "Deployment", "clonefarm-coordinator")
                : DeployFiles.named(rendered(), "DaemonSet", "clonefarm-worker");
    }

    /**
     * Runs a command inside the image as a runtime would: a new mount and pid namespace with its own /proc,
     * chroot into the image's root as {@code user}, only the image's environment.
     */
    private static String runInImage(String component, String user, List<String> command) {
        ImageTarball image = image(component);
        Path root = root(component);
        List<String> argv = new ArrayList<>(List.of("unshare", "--mount", "--pid", "--fork",
                "--mount-proc=" + root.resolve("proc"), "chroot", "--userspec=" + user, root.toString(),
                "/usr/bin/env", "-i"));
        argv.addAll(image.strings("Env"));
        argv.addAll(command);
        return ImageTarball.run(argv, 120);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"coordinator", "worker"})
    void theImageIsTaggedAsTheKubernetesAndComposeFilesNameIt(String component) {
        String tag = image(component).tag();

        assertThat(tag).startsWith("clonefarm/" + component + ":");
        assertThat(workload(component).at("/spec/template/spec/containers/0/image").asText()).isEqualTo(tag);
        for (Path compose : List.of(DeployFiles.COMPOSE, DeployFiles.SECURED_COMPOSE)) {
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> services =
                    (Map<String, Map<String, Object>>) DeployFiles.compose(compose).get("services");
            assertThat(services.get(component).get("image")).as("%s: service %s", compose, component).isEqualTo(tag);
        }
    }

    @Test
    void theDeploymentFilesUseNoOtherClonefarmImage() {
        Set<String> tags = new TreeSet<>();
        COMPONENTS.forEach(component -> tags.add(image(component).tag()));
        Set<String> used = new TreeSet<>();
        for (String line : DeployFiles.read(DeployFiles.RENDERED).lines().toList()) {
            if (line.trim().startsWith("image: clonefarm/")) {
                used.add(line.trim().substring("image: ".length()));
            }
        }
        for (Path compose : List.of(DeployFiles.COMPOSE, DeployFiles.SECURED_COMPOSE)) {
            for (String line : DeployFiles.read(compose).lines().toList()) {
                if (line.trim().startsWith("image: clonefarm/")) {
                    used.add(line.trim().substring("image: ".length()));
                }
            }
        }

        assertThat(used).isEqualTo(tags);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"coordinator", "worker"})
    void theEntryPointIsTheClonefarmCommandAndTheDefaultCommandItsComponent(String component) {
        ImageTarball image = image(component);
        List<String> entrypoint = image.strings("Entrypoint");

        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint).containsSubsequence("-cp", "@/" + CLASSPATH_FILE);
        assertThat(entrypoint.get(entrypoint.size() - 1)).isEqualTo(org.clonefarm.cli.Main.class.getName());
        assertThat(ClonefarmCommands.parse(image.strings("Cmd"))).isEqualTo(component);
        assertThat(image.environment()).containsEntry("CLONEFARM_DATA", "/var/lib/clonefarm");
        assertThat(image.containerConfig().get("Volumes").has("/var/lib/clonefarm")).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"coordinator", "worker"})
    void theImageExposesItsComponentsHttpPortAndItsWorkloadListensThere(String component) {
        String port = ClonefarmCommands.optionDefault(component, "--http-port");
        Set<String> exposed = new TreeSet<>();
        image(component).containerConfig().get("ExposedPorts").fieldNames().forEachRemaining(exposed::add);

        assertThat(exposed).containsExactly(port + "/tcp");
        assertThat(workload(component).at("/spec/template/spec/containers/0/ports/0/containerPort").asText())
                .isEqualTo(port);
    }

    @Test
    void theCoordinatorImageRunsAsANonRootUserThatItsDeploymentRunsAsToo() {
        String user = image("coordinator").containerConfig().get("User").asText();
        String[] uidGid = user.split(":");
        JsonNode pod = workload("coordinator").at("/spec/template/spec/securityContext");

        assertThat(Integer.parseInt(uidGid[0])).as("uid of %s", user).isPositive();
        assertThat(Integer.parseInt(uidGid[1])).as("gid of %s", user).isPositive();
        assertThat(pod.get("runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.get("runAsUser").asText()).isEqualTo(uidGid[0]);
        assertThat(pod.get("runAsGroup").asText()).isEqualTo(uidGid[1]);
    }

    @Test
    void theWorkerImageRunsAsRootAndItsWorkloadIsPrivileged() {
        JsonNode container = workload("worker").at("/spec/template/spec/containers/0");

        assertThat(image("worker").containerConfig().get("User").asText()).isEqualTo("0:0");
        assertThat(container.at("/securityContext/privileged").asBoolean()).isTrue();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"coordinator", "worker"})
    void theClasspathFileNamesOnlyWhatTheApplicationLayersHold(String component) {
        ImageTarball image = image(component);
        Set<String> paths = new TreeSet<>();
        for (int layer = 1; layer < image.layerCount(); layer++) {
            paths.addAll(image.layerPaths(layer));
        }
        String classpath = image.fileContent(CLASSPATH_FILE);

        assertThat(classpath).as("/%s", CLASSPATH_FILE).isNotNull();
        List<String> entries = List.of(classpath.trim().split(":"));
        assertThat(entries).anyMatch(e -> e.matches("/app/libs/kafka-clients-[0-9.]+\\.jar"))
                .contains("/app/classes");
        for (String entry : entries) {
            assertThat(paths).as("classpath entry %s", entry).contains(entry.substring(1));
        }
        assertThat(paths).contains("app/classes/org/clonefarm/cli/Main.class");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"coordinator", "worker"})
    void theImageRunsItsDefaultCommandAsItsUser(String component) {
        ImageTarball image = image(component);
        List<String> command = new ArrayList<>(image.strings("Entrypoint"));
        command.addAll(image.strings("Cmd"));
        command.add("--help");

        String help = runInImage(component, image.containerConfig().get("User").asText(), command);

        assertThat(help).contains("Usage: clonefarm " + component);
    }

    @Test
    void theWorkerImageHasTheProgramsTheWorkerRuns() {
        // the local simulation's loop devices and file systems (LoopDevices, LoopMountedFileSystem)
        String found = runInImage("worker", "0:0", List.of("/bin/sh", "-c",
                "for program in losetup mount umount mke2fs; do command -v $program || exit 1; done"));

        assertThat(found.lines().toList()).hasSize(4);
    }

    @Test
    void theCoordinatorsInitContainerCommandRunsInTheImageAsItsUser() {
        JsonNode init = workload("coordinator").at("/spec/template/spec/initContainers/0");
        List<String> command = new ArrayList<>();
        init.get("command").forEach(word -> command.add(word.asText()));
        String user = image("coordinator").containerConfig().get("User").asText();
        Path root = root("coordinator");
        // the secret volume as the kubelet mounts it (root-owned, group fsGroup, mode 0440) and the memory volume
        String key = init.at("/volumeMounts/0/mountPath").asText() + "/farm.key";
        String run = init.at("/volumeMounts/1/mountPath").asText();
        try {
            Files.createDirectories(root.resolve(key.substring(1)).getParent());
            Files.writeString(root.resolve(key.substring(1)), "00112233445566778899aabbccddeeff\n");
            Files.createDirectories(root.resolve(run.substring(1)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ImageTarball.run(List.of("chown", "0:" + user.split(":")[1], root.resolve(key.substring(1)).toString()), 10);
        ImageTarball.run(List.of("chmod", "0440", root.resolve(key.substring(1)).toString()), 10);
        ImageTarball.run(List.of("chown", user, root.resolve(run.substring(1)).toString()), 10);

        runInImage("coordinator", user, command);

        assertThat(runInImage("coordinator", user, List.of("/usr/bin/stat", "-c", "%u:%g %a", run + "/farm.key")).trim())
                .isEqualTo(user + " 600");
    }
}
