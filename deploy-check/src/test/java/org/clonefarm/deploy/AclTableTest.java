package org.clonefarm.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.clonefarm.cli.embedded.ClusterPrincipal;
import org.junit.jupiter.api.Test;

/**
 * The principals' privileges have one home, the cli's {@link ClusterPrincipal} (which the local secured
 * cluster grants): Strimzi's KafkaUsers, the compose cluster's setup script and the README's table (in "Run it
 * on your Kafka") grant exactly its ACLs, nothing more, and no docs page keeps a table of its own.
 */
class AclTableTest {
    private final Set<AclGrant> code = AclGrant.ofClusterPrincipals();

    @Test
    void kafkaUsersAreTheClusterPrincipalsWithExactlyTheirAcls() {
        Set<String> users = new TreeSet<>();
        Set<AclGrant> granted = new TreeSet<>();
        for (JsonNode user : DeployFiles.ofKind(DeployFiles.documents(DeployFiles.read(DeployFiles.RENDERED)), "KafkaUser")) {
            String name = user.at("/metadata/name").asText();
            users.add(name);
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
        Set<String> principals = new TreeSet<>();
        for (ClusterPrincipal principal : ClusterPrincipal.values()) {
            principals.add(principal.user());
        }

        assertThat(users).isEqualTo(principals);
        assertThat(granted).isEqualTo(code);
    }

    @Test
    void composeSetupScriptGrantsExactlyTheClusterPrincipalsAcls() {
        Set<AclGrant> granted = new TreeSet<>();
        for (String line : DeployFiles.read(DeployFiles.COMPOSE_SETUP).lines().toList()) {
            String[] words = line.trim().split("\\s+");
            if (words[0].equals("acl") && words.length >= 6) {
                for (int i = 5; i < words.length; i++) {
                    granted.add(AclGrant.of(words[1], words[2], words[3], words[4], words[i]));
                }
            }
        }

        assertThat(granted).isEqualTo(code);
    }

    @Test
    void theTableOfTheReadmeShowsExactlyTheClusterPrincipalsAcls() {
        assertThat(AclGrant.fromTable(DeployFiles.read(DeployFiles.README))).isEqualTo(code);
    }

    @Test
    void theKafkaAndDeployPagesKeepNoAclTableOfTheirOwn() {
        for (Path page : List.of(DeployFiles.KAFKA_DOC, DeployFiles.DEPLOY_DOC)) {
            assertThat(DeployFiles.read(page).lines().map(String::trim)).as(page.toString())
                    .noneMatch(line -> line.startsWith("| principal |"));
        }
    }

    @Test
    void aTableItemWithAnOperationKafkaDoesNotKnowIsRefused() {
        String doc = "| principal | topics | group |\n| --- | --- | --- |\n| `guest` | `P guest-events` WRITTE | none |\n";

        assertThatThrownBy(() -> AclGrant.fromTable(doc))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("WRITTE");
    }

    @Test
    void aColumnNamedForAResourceTypeGrantsOnThatType() {
        String doc = "| principal | topics | group | transactional id |\n| --- | --- | --- | --- |\n"
                + "| `coordinator` | `P events` WRITE | `P relay` READ | `P relay` WRITE |\n";

        assertThat(AclGrant.fromTable(doc)).containsExactlyInAnyOrder(
                AclGrant.of("coordinator", "topic", "clonefarm.events", "literal", "Write"),
                AclGrant.of("coordinator", "group", "clonefarm.relay", "literal", "Read"),
                AclGrant.of("coordinator", "transactionalId", "clonefarm.relay", "literal", "Write"));
    }

    @Test
    void aTableItemItCannotReadIsRefusedNotSkipped() {
        String doc = "| principal | topics | group |\n| --- | --- | --- |\n| `guest` | P guest-events WRITE | none |\n";

        assertThatThrownBy(() -> AclGrant.fromTable(doc))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot read 'P guest-events WRITE'");
    }
}
