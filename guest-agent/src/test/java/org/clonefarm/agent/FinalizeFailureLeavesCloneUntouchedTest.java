package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.clonefarm.proto.AgentFailed;
import org.clonefarm.proto.CloneEvent;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A finalize that fails leaves the clone as it found it (marker, every old file, no reboot) and
 * spools one clear AgentFailed event naming the step and the reason.
 */
@Timeout(60)
class FinalizeFailureLeavesCloneUntouchedTest {
    @TempDir
    Path root;
    /** Beside the root, not in it (the root's snapshot must not see it), and removed after the test. */
    @TempDir
    Path besideRoot;

    private Map<String, String> before;

    @BeforeEach
    void masterTree() {
        GuestTree.create(root, "ID=\"sles\"\nVERSION_ID=\"15.6\"\n");
        before = GuestTree.snapshot(root);
    }

    /** No entry for the userid: read-config fails, not retryable, naming the userid. */
    @Test
    void missingEntryReportsReadConfigAndKeepsMarkerAndFiles() {
        GuestAgent agent = agentFor("LINUX009", GuestTree.source());

        assertThatThrownBy(agent::finalizeClone).isInstanceOf(AgentException.class).hasMessageContaining("LINUX009");

        assertUntouchedWithFailure("read-config", false, "no entry for LINUX009");
    }

    /** A malformed address: read-config fails naming the value. */
    @Test
    void malformedIpReportsTheValueAndKeepsMarkerAndFiles() {
        GuestAgent agent = agentFor("LINUX002", GuestTree.source());

        assertThatThrownBy(agent::finalizeClone).isInstanceOf(AgentException.class).hasMessageContaining("10.1.0.300");

        assertUntouchedWithFailure("read-config", false, ":ipaddr. '10.1.0.300'");
    }

    /** An entry without an address (and none in DEFAULTS): read-config fails naming the tag. */
    @Test
    void missingAddressReportsTheTagAndKeepsMarkerAndFiles() {
        GuestAgent agent = agentFor("LINUX003", GuestTree.source());

        assertThatThrownBy(agent::finalizeClone).isInstanceOf(AgentException.class).hasMessageContaining(":ipaddr.");

        assertUntouchedWithFailure("read-config", false, "has no :ipaddr. tag");
    }

    /** The 191 image cannot be read (here: its path is a directory): read-config fails, retryable. */
    @Test
    void unreadableConfigDiskReportsReadConfigAndKeepsMarkerAndFiles() throws IOException {
        Path image = Files.createDirectories(besideRoot.resolve("LINUX001-191.img"));
        GuestAgent agent = agentFor(GuestTree.USERID, new ImageBackedSource(image));

        assertThatThrownBy(agent::finalizeClone).isInstanceOf(AgentException.class).hasMessageContaining(image.toString());

        assertUntouchedWithFailure("read-config", true, image.toString());
    }

    /** A file that cannot be replaced late in the transaction: every earlier file is put back. */
    @Test
    void failureWhileReplacingFilesRestoresTheOnesAlreadyReplaced() throws IOException {
        Files.delete(root.resolve("etc/machine-id"));
        GuestTree.write(root, "etc/machine-id/blocker", "a directory where a file should be\n");
        before = GuestTree.snapshot(root);
        GuestAgent agent = agentFor(GuestTree.USERID, GuestTree.source());

        assertThatThrownBy(agent::finalizeClone).isInstanceOf(AgentException.class).hasMessageContaining("machine-id");

        assertUntouchedWithFailure("configure", true, "machine-id");
    }

    private GuestAgent agentFor(String userid, CloneConfigSource source) {
        return GuestAgent.builder(GuestTree.config(root, Map.of())).root(root).identity(Identity.fixed(userid))
                .configSource(source).build();
    }

    private void assertUntouchedWithFailure(String step, boolean retryable, String reasonPart) {
        assertThat(GuestTree.snapshot(root)).isEqualTo(before);
        assertThat(root.resolve("etc/rc.finalize")).exists();
        assertThat(root.resolve("rebooted")).doesNotExist();
        GuestTree.assertNoLeftovers(root);
        List<CloneEvent> events = GuestTree.agent(root).spooledEvents();
        assertThat(events).hasSize(1 + (step.equals("configure") ? 3 : 0));
        AgentFailed failed = events.get(events.size() - 1).getAgentFailed();
        assertThat(failed.getStep()).isEqualTo(step);
        assertThat(failed.getRetryable()).isEqualTo(retryable);
        assertThat(failed.getReason()).contains(reasonPart);
    }

    /**
     * Stands in for the NAMES reader over a 191 image (not on this branch): it reads the image's
     * bytes for real and fails as such a reader must when they cannot be read.
     */
    private static final class ImageBackedSource implements CloneConfigSource {
        private final Path image;

        ImageBackedSource(Path image) {
            this.image = image;
        }

        @Override
        public Optional<Map<String, String>> entry(String nick) {
            try {
                Files.readAllBytes(image);
            } catch (IOException e) {
                throw new AgentException(AgentStep.READ_CONFIG, "cannot read the 191 disk image " + image + ": " + e, true, e);
            }
            return GuestTree.source().entry(nick);
        }

        @Override
        public String describe() {
            return "LINUX NAMES on " + image;
        }
    }
}
