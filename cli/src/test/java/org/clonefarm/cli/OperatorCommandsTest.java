package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.testsupport.KafkaBrokerExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The operator's commands on a real broker and the demo master: plan, submit, status, cancel, retry. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class OperatorCommandsTest {

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    private static CapturedRun run(String... args) {
        return CapturedRun.of(args);
    }

    @Test
    void planSubmitStatusCancelAndRetryABatch(@TempDir Path dir) throws Exception {
        Path data = dir.resolve("data");
        new DemoMaster(SimulationDataDirectory.at(data), LoopMountGuestsTest.agentJar()).create(false);
        Path spec = dir.resolve("ops.yaml");
        Files.writeString(spec, DemoCommand.spec("ops", 1, 3, "rw-root"));
        String kafka = KAFKA.bootstrapServers();

        CapturedRun plan = run("plan", spec.toString(), "--data", data.toString());
        assertThat(plan.code()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("Batch ops: 3 clones").contains("USER LINUX001 AUTOONLY").contains(":nick.LINUX001");

        CapturedRun submit = run("submit", spec.toString(), "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(submit.code()).as(submit.err()).isZero();
        assertThat(submit.out()).contains("submitted batch ops: 3 clones");
        CapturedRun again = run("submit", spec.toString(), "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(again.out()).contains("submitted before with this spec; nothing changed");

        CapturedRun status = run("status", "ops", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(status.out()).contains("ops: 3 clones, 3 PLANNED").contains("LINUX002 PLANNED");

        CapturedRun cancel = run("cancel", "ops", "LINUX002", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(cancel.code()).as(cancel.err()).isZero();
        assertThat(cancel.out()).contains("cancelled 1 clones of batch ops: LINUX002");

        CapturedRun retry = run("retry", "ops", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(retry.code()).as(retry.err()).isZero();
        assertThat(retry.out()).contains("retried 1 clones of batch ops: LINUX002");

        // only READY or FAILED clones are refreshed: none here yet
        CapturedRun noRefresh = run("refresh", "ops", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(noRefresh.code()).as(noRefresh.err()).isZero();
        assertThat(noRefresh.out()).contains("nothing to refresh in batch ops");
        CapturedRun planned = run("refresh", "ops", "LINUX001", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(planned.code()).isEqualTo(1);
        assertThat(planned.err()).contains("LINUX001 is PLANNED, not READY or FAILED").doesNotContain("Exception");

        CapturedRun unknown = run("retry", "nope", "--data", data.toString(), "--bootstrap-servers", kafka);
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err()).contains("there is no batch nope").doesNotContain("Exception");

        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, DemoCommand.spec("bad", 1, 3, "rw-root").replace("master: LNXMSTR", "master: NOSUCH"));
        CapturedRun refused = run("plan", bad.toString(), "--data", data.toString());
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("line 2, master: 'NOSUCH' is not in the CP directory");
    }
}
