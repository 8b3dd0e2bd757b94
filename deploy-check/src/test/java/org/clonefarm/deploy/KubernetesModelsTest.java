package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Every resource each Kubernetes overlay renders is a valid object of its published model: Strimzi's
 * {@code io.strimzi:api} held to {@code kafka.strimzi.io/v1}, fabric8's Kubernetes model for the core
 * kinds, with no property the model does not have ({@link StrictModel}).
 */
class KubernetesModelsTest {
    private final StrictModel model = new StrictModel();

    @ParameterizedTest(name = "overlays/{0}")
    @ValueSource(strings = {"plain", "secured"})
    void everyRenderedResourceReadsIntoItsModelWithNothingLeftOver(String overlay) {
        List<JsonNode> documents = DeployFiles.documents(DeployFiles.render(overlay));

        assertThat(documents).isNotEmpty();
        for (JsonNode document : documents) {
            assertThat(model.read(document)).isNotNull();
        }
    }

    @Test
    void aMisspeltStrimziPropertyIsRefusedWithItsName() {
        ObjectNode topic = firstOfKind("KafkaTopic");
        ObjectNode spec = (ObjectNode) topic.get("spec");
        spec.set("partitons", spec.remove("partitions"));

        assertThatThrownBy(() -> model.read(topic))
                .hasMessageContaining("KafkaTopic")
                .hasMessageContaining("partitons");
    }

    @Test
    void aPropertyThatStrimziV1DroppedIsRefused() {
        ObjectNode user = firstOfKind("KafkaUser");
        ObjectNode rule = (ObjectNode) user.get("spec").get("authorization").get("acls").get(0);
        rule.put("operation", "Write"); // the v1beta2 form, replaced by operations[] in v1

        assertThatThrownBy(() -> model.read(user))
                .hasMessageContaining("not valid v1")
                .hasMessageContaining(".spec.authorization.acls[0].operation exists only in v1alpha1-v1beta2");
    }

    @Test
    void anUnknownAclOperationIsRefused() {
        ObjectNode user = firstOfKind("KafkaUser");
        ArrayNode operations = (ArrayNode) user.get("spec").get("authorization").get("acls").get(0).get("operations");
        operations.add("Writ");

        assertThatThrownBy(() -> model.read(user)).hasMessageContaining("Writ");
    }

    @Test
    void aMisspeltCorePropertyIsRefusedWithItsName() {
        ObjectNode deployment = firstOfKind("Deployment");
        ObjectNode container = (ObjectNode) deployment.at("/spec/template/spec/containers/0");
        container.set("volumeMount", container.remove("volumeMounts"));

        assertThatThrownBy(() -> model.read(deployment))
                .hasMessageContaining("Deployment clonefarm-coordinator")
                .hasMessageContaining("volumeMount");
    }

    @Test
    void aKindWithoutAModelIsRefused() {
        ObjectNode unknown = firstOfKind("Namespace");
        unknown.put("kind", "NetworkPolicy");

        assertThatThrownBy(() -> model.read(unknown)).hasMessageContaining("no model for this apiVersion and kind");
    }

    @Test
    void strimziVersionRangesAreReadAsTheGeneratorReadsThem() {
        assertThat(StrictModel.includesServed("v1+")).isTrue();
        assertThat(StrictModel.includesServed("v1beta2+")).isTrue();
        assertThat(StrictModel.includesServed("v1alpha1-v1beta2")).isFalse();
        assertThat(StrictModel.includesServed("v1beta2")).isFalse();
    }

    private static ObjectNode firstOfKind(String kind) {
        List<JsonNode> documents = DeployFiles.documents(DeployFiles.read(DeployFiles.RENDERED));
        return (ObjectNode) DeployFiles.ofKind(documents, kind).get(0).deepCopy();
    }
}
