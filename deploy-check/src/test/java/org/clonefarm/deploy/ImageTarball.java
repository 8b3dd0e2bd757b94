package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * An image tarball in the {@code docker save} format, as Jib's buildTar writes it and {@code docker load}
 * reads it: {@code manifest.json} (the tag, the config's and the layers' file names), the image config,
 * and the layers (gzipped tar files), applied in the manifest's order.
 *
 * <p>Not thread-safe; a test's own object.
 */
final class ImageTarball {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path file;
    private final JsonNode manifest;
    private final JsonNode config;
    private final List<String> layers = new ArrayList<>();

    private ImageTarball(Path file, JsonNode manifest, JsonNode config) {
        this.file = file;
        this.manifest = manifest;
        this.config = config;
        manifest.get("Layers").forEach(layer -> layers.add(layer.asText()));
    }

    /** Reads the manifest and the config; the layers stay in the file until asked for. */
    static ImageTarball read(Path file) {
        assertThat(file).as("the image tarball (made by ./mvnw -Pimages -pl cli -am package)").isRegularFile();
        Map<String, byte[]> small = new HashMap<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(file))) {
            for (TarArchiveEntry entry; (entry = in.getNextEntry()) != null; ) {
                if (entry.getName().endsWith(".json")) {
                    small.put(entry.getName(), in.readAllBytes());
                }
            }
            assertThat(small).as("%s: manifest.json", file).containsKey("manifest.json");
            JsonNode manifest = JSON.readTree(small.get("manifest.json"));
            assertThat(manifest.size()).as("%s: images in manifest.json", file).isEqualTo(1);
            JsonNode image = manifest.get(0);
            byte[] config = small.get(image.get("Config").asText());
            assertThat(config).as("%s: the config %s", file, image.get("Config")).isNotNull();
            return new ImageTarball(file, image, JSON.readTree(config));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the image tarball " + file, e);
        }
    }

    /** The image's name as {@code docker load} tags it. */
    String tag() {
        assertThat(manifest.get("RepoTags")).as("%s: RepoTags", file).hasSize(1);
        return manifest.get("RepoTags").get(0).asText();
    }

    /** The container config: Entrypoint, Cmd, User, Env, ExposedPorts, WorkingDir, Volumes. */
    JsonNode containerConfig() {
        return config.get("config");
    }

    /** The image config's top level (architecture, os, rootfs.diff_ids). */
    JsonNode imageConfig() {
        return config;
    }

    List<String> strings(String field) {
        List<String> values = new ArrayList<>();
        containerConfig().path(field).forEach(value -> values.add(value.asText()));
        return values;
    }

    /** The environment as the container gets it: {@code NAME=value} entries. */
    Map<String, String> environment() {
        Map<String, String> env = new HashMap<>();
        for (String entry : strings("Env")) {
            int eq = entry.indexOf('=');
            env.put(entry.substring(0, eq), entry.substring(eq + 1));
        }
        return env;
    }

    int layerCount() {
        return layers.size();
    }

    /** The paths of the layer with this index (0 is the base's), without a leading {@code ./} or {@code /}. */
    Set<String> layerPaths(int index) {
        Set<String> paths = new LinkedHashSet<>();
        forEachEntryOf(layers.get(index), (entry, in) -> paths.add(normalize(entry.getName())));
        return paths;
    }

    /** The content of one file of the image (the last layer that has it wins), or null. */
    String fileContent(String path) {
        String wanted = normalize(path);
        String[] found = new String[1];
        for (String layer : layers) {
            forEachEntryOf(layer, (entry, in) -> {
                if (entry.isFile() && normalize(entry.getName()).equals(wanted)) {
                    found[0] = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            });
        }
        return found[0];
    }

    /**
     * Lays the image's file system out in {@code root} as a container runtime does, layer on layer, with
     * the owners, modes and device nodes the layers hold (GNU tar as root). A whiteout ({@code .wh.}) is
     * refused: these images have none, and a runtime would delete what it names instead of laying it out.
     */
    void unpack(Path root) {
        try {
            Path layerFile = Files.createTempFile(root.getParent(), "layer", ".tar.gz");
            try {
                for (String layer : layers) {
                    try (TarArchiveInputStream in = new TarArchiveInputStream(Files.newInputStream(file))) {
                        for (TarArchiveEntry entry; (entry = in.getNextEntry()) != null; ) {
                            if (entry.getName().equals(layer)) {
                                Files.copy(in, layerFile, StandardCopyOption.REPLACE_EXISTING);
                            }
                        }
                    }
                    run(List.of("tar", "--numeric-owner", "--same-permissions", "-xzf", layerFile.toString(),
                            "-C", root.toString()), 300);
                }
            } finally {
                Files.deleteIfExists(layerFile);
            }
            try (Stream<Path> paths = Files.walk(root)) {
                assertThat(paths.filter(p -> p.getFileName() != null && p.getFileName().toString().startsWith(".wh.")))
                        .as("%s: whiteouts (these images delete nothing of their base)", file).isEmpty();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack " + file + " into " + root, e);
        }
    }

    /** Runs a command, fails the test with its output unless it exits 0 within the timeout; returns its output. */
    static String run(List<String> command, int timeoutSeconds) {
        try {
            Path output = Files.createTempFile("image-command", ".out");
            try {
                Process process = new ProcessBuilder(command).redirectErrorStream(true)
                        .redirectOutput(output.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                        .start();
                if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                    throw new AssertionError(command + " did not end within " + timeoutSeconds + " s: " + Files.readString(output));
                }
                String text = Files.readString(output);
                assertThat(process.exitValue()).as("exit status of %s; output:%n%s", command, text).isZero();
                return text;
            } finally {
                Files.deleteIfExists(output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    private interface EntryVisitor {
        void visit(TarArchiveEntry entry, InputStream content) throws IOException;
    }

    private void forEachEntryOf(String layer, EntryVisitor visitor) {
        try (TarArchiveInputStream outer = new TarArchiveInputStream(Files.newInputStream(file))) {
            for (TarArchiveEntry entry; (entry = outer.getNextEntry()) != null; ) {
                if (entry.getName().equals(layer)) {
                    byte[] gz = outer.readAllBytes();
                    try (TarArchiveInputStream in = new TarArchiveInputStream(
                            new GZIPInputStream(new ByteArrayInputStream(gz)))) {
                        for (TarArchiveEntry inner; (inner = in.getNextEntry()) != null; ) {
                            visitor.visit(inner, in);
                        }
                    }
                    return;
                }
            }
            throw new AssertionError(file + " has no layer file " + layer + " though manifest.json names it");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read layer " + layer + " of " + file, e);
        }
    }

    private static String normalize(String path) {
        String p = path;
        while (p.startsWith("./") || p.startsWith("/")) {
            p = p.substring(p.startsWith("./") ? 2 : 1);
        }
        return p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
    }
}
