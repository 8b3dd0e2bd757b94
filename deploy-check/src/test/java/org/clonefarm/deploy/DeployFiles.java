package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Where the deployment files are and how the tests read them: the rendered Kubernetes overlays (through
 * {@code kubectl kustomize}, the tool a user runs), the compose files (YAML with merge keys, as Compose
 * reads them) and the docs pages they must agree with.
 */
final class DeployFiles {
    /** The repository: surefire runs in the module's directory. */
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
    static final Path KUBERNETES = ROOT.resolve("deploy/kubernetes");
    static final Path RENDERED = KUBERNETES.resolve("clonefarm.yaml");
    /** The overlay clonefarm.yaml is rendered from. */
    static final String MAIN_OVERLAY = "secured";
    static final List<String> OVERLAYS = List.of("plain", "secured");
    static final Path COMPOSE = ROOT.resolve("deploy/compose/compose.yaml");
    static final Path SECURED_COMPOSE = ROOT.resolve("deploy/compose/secured/compose.yaml");
    static final Path COMPOSE_SETUP = ROOT.resolve("deploy/compose/secured/kafka-setup.sh");
    static final Path DEPLOY_DOC = ROOT.resolve("docs/deploy.md");
    /** The page that shows the ACL table (its home in the code is ClusterPrincipal), in "Run it on your Kafka". */
    static final Path README = ROOT.resolve("README.md");
    static final Path KAFKA_DOC = ROOT.resolve("docs/kafka.md");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private DeployFiles() {
    }

    /** The output of {@code kubectl kustomize} of an overlay, as the user gets it. */
    static String render(String overlay) {
        Path directory = KUBERNETES.resolve("overlays").resolve(overlay);
        assertThat(directory).as("overlay directory").isDirectory();
        ProcessBuilder builder = new ProcessBuilder("kubectl", "kustomize", directory.toString())
                .redirectErrorStream(false);
        try {
            Process process;
            try {
                process = builder.start();
            } catch (IOException e) {
                throw new AssertionError("kubectl (with kustomize) is needed to render " + directory
                        + " and was not found on PATH: " + e.getMessage(), e);
            }
            process.getOutputStream().close();
            byte[] out = process.getInputStream().readAllBytes();
            byte[] err = process.getErrorStream().readAllBytes();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("kubectl kustomize " + directory + " did not end within 60 s");
            }
            assertThat(process.exitValue())
                    .as("kubectl kustomize %s: %s", directory, new String(err, StandardCharsets.UTF_8))
                    .isZero();
            return new String(out, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while rendering " + directory, e);
        }
    }

    /** The documents of a multi-document YAML text, as JSON trees (empty documents dropped). */
    static List<JsonNode> documents(String yaml) {
        List<JsonNode> documents = new ArrayList<>();
        try (YAMLParser parser = (YAMLParser) YAML.getFactory().createParser(yaml)) {
            var iterator = YAML.readValues(parser, JsonNode.class);
            while (iterator.hasNext()) {
                JsonNode document = iterator.next();
                if (document != null && !document.isNull() && !document.isEmpty()) {
                    documents.add(document);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse YAML: " + e.getMessage(), e);
        }
        return documents;
    }

    /** The rendered documents of one kind, in file order. */
    static List<JsonNode> ofKind(List<JsonNode> documents, String kind) {
        return documents.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
    }

    /** The one rendered document of this kind and name. */
    static JsonNode named(List<JsonNode> documents, String kind, String name) {
        List<JsonNode> found = ofKind(documents, kind).stream()
                .filter(d -> name.equals(d.path("metadata").path("name").asText())).toList();
        assertThat(found).as("%s %s in the rendered overlay", kind, name).hasSize(1);
        return found.get(0);
    }

    /** A compose file as Compose reads it: YAML 1.1 with merge keys ({@code <<: *anchor}) resolved. */
    @SuppressWarnings("unchecked")
    static Map<String, Object> compose(Path file) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try {
            Object loaded = new Yaml(new SafeConstructor(options)).load(Files.readString(file));
            assertThat(loaded).as("%s is a YAML mapping", file).isInstanceOf(Map.class);
            return (Map<String, Object>) loaded;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
