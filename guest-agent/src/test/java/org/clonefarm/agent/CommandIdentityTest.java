package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Asking CP who we are through a command that answers like {@code vmcp q userid}. */
@Timeout(30)
class CommandIdentityTest {
    @TempDir
    Path dir;

    private Path script(String body) throws IOException {
        Path script = dir.resolve("vmcp");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n");
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
        return script;
    }

    /** CP's answer "LINUX001 AT ZVMSYS1" gives userid and system. */
    @Test
    void takesUseridAndSystemFromCpsAnswer() throws IOException {
        Path vmcp = script("echo 'linux001 AT ZVMSYS1'");
        WhoAmI who = Identity.ofCommand(List.of(vmcp.toString(), "q", "userid"), Duration.ofSeconds(10)).whoAmI();
        assertThat(who).isEqualTo(new WhoAmI("LINUX001", "ZVMSYS1"));
    }

    /** vmcp's error (exit 1, message on stderr) becomes a retryable identify failure quoting it. */
    @Test
    void failingCommandIsARetryableIdentifyFailure() throws IOException {
        Path vmcp = script("echo \"Error: non-zero CP response for command 'Q USERID': #1\" >&2; exit 1");
        assertThatThrownBy(() -> Identity.ofCommand(List.of(vmcp.toString()), Duration.ofSeconds(10)).whoAmI())
                .isInstanceOf(AgentException.class).hasMessageContaining("non-zero CP response")
                .satisfies(e -> assertThat(((AgentException) e).retryable()).isTrue())
                .satisfies(e -> assertThat(((AgentException) e).step()).isEqualTo(AgentStep.IDENTIFY));
    }

    /** A command that hangs is killed after the timeout. */
    @Test
    void hangingCommandIsKilledAfterTheTimeout() throws IOException {
        Path vmcp = script("sleep 30");
        assertThatThrownBy(() -> Identity.ofCommand(List.of(vmcp.toString()), Duration.ofMillis(300)).whoAmI())
                .isInstanceOf(AgentException.class).hasMessageContaining("did not finish within 300 ms");
    }

    /** An answer that is no userid is refused naming it. */
    @Test
    void refusesAnAnswerThatIsNoUserid() throws IOException {
        Path vmcp = script("echo 'TOO-LONG-NAME AT X'");
        assertThatThrownBy(() -> Identity.ofCommand(List.of(vmcp.toString()), Duration.ofSeconds(10)).whoAmI())
                .hasMessageContaining("'TOO-LONG-NAME' is not a z/VM userid");
    }
}
