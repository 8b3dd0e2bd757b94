package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import org.clonefarm.platform.cp.VmcpCp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Identity through the platform's VmcpCp: a test of parsing CP's documented answers, given by a fake
 * {@code vmcp} (there is no z/VM here).
 */
@Timeout(30)
class CpIdentityTest {
    @TempDir
    Path dir;

    private Identity identity(String body) throws IOException {
        Path script = dir.resolve("vmcp");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return Identity.ofCp(new VmcpCp(script.toString(), Map.of("PATH", "/usr/bin:/bin"), Duration.ofSeconds(10)));
    }

    /** CP's answer "LINUX001 AT ZVMSYS1" gives userid and system. */
    @Test
    void takesUseridAndSystemFromCpsAnswer() throws IOException {
        WhoAmI who = identity("[ \"$1 $2\" = \"Q USERID\" ] && echo 'LINUX001 AT ZVMSYS1'").whoAmI();

        assertThat(who).isEqualTo(new WhoAmI("LINUX001", "ZVMSYS1"));
    }

    /** vmcp that cannot reach CP (exit 1, CP's message) is an identify failure quoting it. */
    @Test
    void cpErrorIsAnIdentifyFailureQuotingIt() throws IOException {
        Identity identity = identity("echo \"Error: non-zero CP response for command 'Q USERID': #1\" >&2; exit 1");

        assertThatThrownBy(identity::whoAmI).isInstanceOf(AgentException.class)
                .hasMessageContaining("Q USERID")
                .satisfies(e -> assertThat(((AgentException) e).step()).isEqualTo(AgentStep.IDENTIFY));
    }

    /** The agent built from the configuration asks CP through identity.vmcp when no userid is fixed. */
    @Test
    void agentAsksCpThroughTheConfiguredVmcp() throws IOException {
        Path root = GuestTree.create(dir.resolve("root"), "ID=\"sles\"\nVERSION_ID=\"15.6\"\n");
        Path script = dir.resolve("myvmcp");
        Files.writeString(script, "#!/bin/sh\necho 'LINUX001 AT ZVMSYS1'\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        AgentConfig config = AgentConfig.defaults().with(Map.of(AgentConfig.IDENTITY_VMCP, script.toString()));

        GuestAgent.Plan plan = GuestAgent.builder(config).root(root).configSource(GuestTree.source()).build().plan();

        assertThat(plan.settings().userid()).isEqualTo("LINUX001");
        assertThat(plan.settings().effectiveTags()).containsEntry("hostname", "linux001");
    }
}
