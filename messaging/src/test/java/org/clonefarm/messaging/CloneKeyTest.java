package org.clonefarm.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.clonefarm.proto.CloneEvent;
import org.clonefarm.proto.Ready;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The per-clone key: derived from the farm key, written and read as a file, and the guest event signature made with it. */
class CloneKeyTest {
    private static final FarmKey FARM = FarmKey.of(filled((byte) 7));
    private static final FarmKey OTHER_FARM = FarmKey.of(filled((byte) 8));

    @TempDir
    Path dir;

    private static byte[] filled(byte b) {
        byte[] bytes = new byte[FarmKey.LENGTH];
        Arrays.fill(bytes, b);
        return bytes;
    }

    private static byte[] readyOf(String userid, String batch, int attempt) {
        return CloneEvent.newBuilder().setEventId("e-" + userid).setUserid(userid).setBatchId(batch).setAttempt(attempt)
                .setProducerId("agent-" + userid).setReady(Ready.newBuilder().setBoot(2)).build().toByteArray();
    }

    @Test
    void keysDifferByCloneBatchAttemptAndFarmAndAreStableForTheSameInputs() {
        byte[] value = readyOf("LNX0001", "b1", 1);
        RecordHeaders signed = new RecordHeaders();
        signed.add(GuestEventSignature.header(CloneKey.derive(FARM, "LNX0001", "b1", 1), value));

        assertThat(GuestEventSignature.problem(CloneKey.derive(FARM, "LNX0001", "b1", 1), signed, value)).isEmpty();
        assertThat(GuestEventSignature.problem(CloneKey.derive(FARM, "LNX0002", "b1", 1), signed, value)).isPresent();
        assertThat(GuestEventSignature.problem(CloneKey.derive(FARM, "LNX0001", "b2", 1), signed, value)).isPresent();
        assertThat(GuestEventSignature.problem(CloneKey.derive(FARM, "LNX0001", "b1", 2), signed, value)).isPresent();
        assertThat(GuestEventSignature.problem(CloneKey.derive(OTHER_FARM, "LNX0001", "b1", 1), signed, value))
                .isPresent();
    }

    @Test
    void signatureRefusesAChangedByteAMissingHeaderAndAMalformedOne() {
        CloneKey key = CloneKey.derive(FARM, "LNX0001", "b1", 1);
        byte[] value = readyOf("LNX0001", "b1", 1);
        RecordHeaders signed = new RecordHeaders();
        signed.add(GuestEventSignature.header(key, value));
        byte[] changed = value.clone();
        changed[changed.length - 1] ^= 1;

        assertThat(GuestEventSignature.problem(key, signed, changed)).get().asString().contains("does not match");
        assertThat(GuestEventSignature.problem(key, new RecordHeaders(), value)).get().asString()
                .contains("carries no " + GuestEventSignature.HEADER);
        RecordHeaders malformed = new RecordHeaders();
        malformed.add(GuestEventSignature.HEADER, "v1:zz".getBytes(StandardCharsets.US_ASCII));
        assertThat(GuestEventSignature.problem(key, malformed, value)).get().asString().contains("not a v1 signature");
    }

    @Test
    void keyFileRoundTripsAndSaysWhichCloneAndAttemptItIsFor() throws Exception {
        CloneKey key = CloneKey.derive(FARM, "LNX0001", "demo-1", 3);
        Path file = dir.resolve("clone.key");
        Files.write(file, key.toFileBytes());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));

        CloneKey read = CloneKey.read(file);

        assertThat(read.isFor("LNX0001", "demo-1", 3)).isTrue();
        byte[] value = readyOf("LNX0001", "demo-1", 3);
        RecordHeaders headers = new RecordHeaders();
        headers.add(GuestEventSignature.header(read, value));
        assertThat(GuestEventSignature.problem(key, headers, value)).isEmpty();
        String text = Files.readString(file);
        assertThat(text).contains("userid=LNX0001\n", "batch=demo-1\n", "attempt=3\n").containsPattern("key=[0-9a-f]{64}\n");
        assertThat(key.toString()).contains("LNX0001").doesNotContain(text.substring(text.indexOf("key=") + 4).strip());
    }

    @Test
    void keyFileReadableByOthersIsRefused() throws Exception {
        Path file = dir.resolve("clone.key");
        Files.write(file, CloneKey.derive(FARM, "LNX0001", "b1", 1).toFileBytes());
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

        assertThatThrownBy(() -> CloneKey.read(file)).isInstanceOf(CloneKey.CloneKeyException.class)
                .hasMessageContaining("readable by others").hasMessageContaining("0600");
    }

    @Test
    void keyFileWithAMissingOrRepeatedFieldIsRefusedNamingIt() {
        String good = new String(CloneKey.derive(FARM, "LNX0001", "b1", 1).toFileBytes(), StandardCharsets.US_ASCII);

        assertThatThrownBy(() -> CloneKey.parse(good.replace("attempt=1\n", "").getBytes(StandardCharsets.US_ASCII), "f"))
                .hasMessageContaining("has no attempt");
        assertThatThrownBy(() -> CloneKey.parse((good + "userid=LNX0002\n").getBytes(StandardCharsets.US_ASCII), "f"))
                .hasMessageContaining("userid twice");
        assertThatThrownBy(() -> CloneKey.parse(good.replace("attempt=1", "attempt=0").getBytes(StandardCharsets.US_ASCII),
                "f")).hasMessageContaining("attempt of at least 1");
        assertThatThrownBy(() -> CloneKey.read(dir.resolve("absent.key"))).hasMessageContaining("no clone key at");
    }
}
