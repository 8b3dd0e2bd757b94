package org.clonefarm.agent;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Running finalize a second time is harmless. */
@Timeout(60)
class FinalizeTwiceTest {
    @TempDir
    Path root;

    /** Without the marker (the normal second boot) finalize changes nothing and records nothing. */
    @Test
    void secondRunWithoutMarkerChangesNothing() throws IOException {
        GuestTree.create(root, "ID=debian\nVERSION_ID=\"12\"\n");
        GuestTree.agent(root).finalizeClone();
        Files.delete(root.resolve("rebooted"));
        Map<String, String> after = GuestTree.snapshot(root);
        int events = GuestTree.agent(root).spooledEvents().size();

        GuestAgent.Result second = GuestTree.agent(root).finalizeClone();

        assertThat(second.status()).isEqualTo(GuestAgent.Status.NOTHING_TO_DO);
        assertThat(GuestTree.snapshot(root)).isEqualTo(after);
        assertThat(root.resolve("rebooted")).doesNotExist();
        assertThat(GuestTree.agent(root).spooledEvents()).hasSize(events);
    }

    /** With the marker back (a crash before the reboot) it writes exactly the same files again. */
    @Test
    void secondRunWithMarkerWritesTheSameFiles() throws IOException {
        GuestTree.create(root, "ID=\"rhel\"\nVERSION_ID=\"9.4\"\n");
        GuestTree.agent(root).finalizeClone();
        Map<String, String> first = GuestTree.snapshot(root);
        GuestTree.write(root, "etc/rc.finalize", "finalize me\n");

        GuestAgent.Result second = GuestTree.agent(root).finalizeClone();

        assertThat(second.status()).isEqualTo(GuestAgent.Status.FINALIZED);
        assertThat(GuestTree.snapshot(root)).isEqualTo(first);
        GuestTree.assertNoLeftovers(root);
    }

    /** Leftovers of a run killed in the middle (staged and kept copies) are cleaned up by the next run. */
    @Test
    void nextRunCleansLeftoversOfAnInterruptedRun() throws IOException {
        GuestTree.create(root, "ID=debian\nVERSION_ID=\"12\"\n");
        GuestTree.write(root, "etc/.hostname.clonefarm-new", "half-written\n");
        GuestTree.write(root, "etc/.hosts.clonefarm-old", "127.0.0.1\tlocalhost\n");

        GuestTree.agent(root).finalizeClone();

        GuestTree.assertNoLeftovers(root);
        assertThat(GuestTree.read(root, "etc/hostname")).isEqualTo("linux001\n");
    }
}
