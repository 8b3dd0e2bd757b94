package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The committed deploy/kubernetes/clonefarm.yaml is what kubectl kustomize makes of the main overlay. */
class KustomizeRenderTest {

    @Test
    void committedClonefarmYamlIsTheSecuredOverlayAsRenderedNow() {
        String rendered = DeployFiles.render(DeployFiles.MAIN_OVERLAY);

        assertThat(DeployFiles.read(DeployFiles.RENDERED))
                .as("deploy/kubernetes/clonefarm.yaml is stale: run kubectl kustomize deploy/kubernetes/overlays/%s"
                        + " > deploy/kubernetes/clonefarm.yaml", DeployFiles.MAIN_OVERLAY)
                .isEqualTo(rendered);
    }

    @Test
    void everyResourceOfBothOverlaysIsInTheClonefarmNamespace() {
        for (String overlay : DeployFiles.OVERLAYS) {
            List<JsonNode> documents = DeployFiles.documents(DeployFiles.render(overlay));
            for (JsonNode document : documents) {
                String kind = document.path("kind").asText();
                if (!kind.equals("Namespace")) {
                    assertThat(document.path("metadata").path("namespace").asText())
                            .as("%s %s of overlays/%s", kind, document.path("metadata").path("name").asText(), overlay)
                            .isEqualTo("clonefarm");
                }
            }
        }
    }

    @Test
    void theNamespaceAdmitsPrivilegedWorkersAndOnlyTheWorkersAskForIt() {
        List<JsonNode> documents = DeployFiles.documents(DeployFiles.read(DeployFiles.RENDERED));

        assertThat(DeployFiles.named(documents, "Namespace", "clonefarm")
                .at("/metadata/labels/pod-security.kubernetes.io~1enforce").asText()).isEqualTo("privileged");
        JsonNode worker = DeployFiles.named(documents, "DaemonSet", "clonefarm-worker");
        assertThat(worker.at("/spec/template/spec/containers/0/securityContext/privileged").asBoolean()).isTrue();
        JsonNode coordinator = DeployFiles.named(documents, "Deployment", "clonefarm-coordinator");
        assertThat(coordinator.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();
        for (JsonNode container : coordinator.at("/spec/template/spec/containers")) {
            assertThat(container.at("/securityContext/privileged").asBoolean(false)).isFalse();
            assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
        }
    }
}
