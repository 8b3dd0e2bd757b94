package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The ACL table of docs/deploy.md is the one source of the principals' privileges: Strimzi's KafkaUsers
 * and the compose cluster's setup script grant exactly its rows, nothing more.
 */
class AclTableTest {
    private final Set<AclGrant> table = AclGrant.fromTable(DeployFiles.read(DeployFiles.DEPLOY_DOC));

    @Test
    void theTableNamesEachComponentsPrincipal() {
        Set<String> principals = new TreeSet<>();
        table.forEach(grant -> principals.add(grant.principal()));

        assertThat(principals).containsExactly("coordinator", "guest", "operator", "worker");
    }

    @Test
    void kafkaUsersGrantExactlyTheTable() {
        Set<AclGrant> granted = new TreeSet<>();
        for (JsonNode user : DeployFiles.ofKind(DeployFiles.documents(DeployFiles.read(DeployFiles.RENDERED)), "KafkaUser")) {
            String name = user.at("/metadata/name").asText();
            assertThat(user.at("/spec/authentication/type").asText()).as(name).isEqualTo("scram-sha-512");
            assertThat(user.at("/spec/authorization/type").asText()).as(name).isEqualTo("simple");
            for (JsonNode rule : user.at("/spec/authorization/acls")) {
                assertThat(rule.path("type").asText("allow")).as(name).isEqualTo("allow");
                assertThat(rule.path("host").asText("*")).as(name).isEqualTo("*");
                JsonNode resource = rule.get("resource");
                for (JsonNode operation : rule.get("operations")) {
                    granted.add(AclGrant.of(name, resource.get("type").asText(), resource.get("name").asText(),
                            resource.path("patternType").asText("literal"), operation.asText()));
                }
            }
        }

        assertThat(granted).isEqualTo(table);
    }

    @Test
    void composeSetupScriptGrantsExactlyTheTable() {
        Set<AclGrant> granted = new TreeSet<>();
        for (String line : DeployFiles.read(DeployFiles.ROOT.resolve("deploy/compose/secured/kafka-setup.sh")).lines().toList()) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("acl") && words.length >= 6) {
                for (int i = 5; i < words.length; i++) {
                    granted.add(AclGrant.of(words[1], words[2], words[3], words[4], words[i]));
                }
            }
        }

        assertThat(granted).isEqualTo(table);
    }

    @Test
    void aTableRowWithAnOperationKafkaDoesNotKnowIsRefused() {
        String doc = AclGrant.TABLE_HEADER + "\n| --- | --- | --- | --- | --- |\n| guest | topic | t | literal | Writ |\n";

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> AclGrant.fromTable(doc))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WRIT");
    }
}
