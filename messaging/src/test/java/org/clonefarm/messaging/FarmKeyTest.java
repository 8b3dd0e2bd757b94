package org.clonefarm.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.clonefarm.proto.CloneRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The farm key file and the request signature made with it. */
class FarmKeyTest {
    @TempDir
    Path dir;

    @Test
    void createdKeyIsOwnerOnlyAndTheSameForEveryLaterReader() throws Exception {
        Path file = FarmKey.defaultFile(dir);
        FarmKey made = FarmKey.loadOrCreate(file);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(Files.readString(file)).matches("[0-9a-f]{64}\n");
        byte[] value = {1, 2, 3};
        assertThat(FarmKey.loadOrCreate(file).mac("p", value)).isEqualTo(made.mac("p", value));
        assertThat(FarmKey.load(file).verify(made.mac("p", value), "p", value)).isTrue();
        assertThat(made.toString()).doesNotContain(Files.readString(file).strip());
    }

    @Test
    void twoProcessesCreatingAtOnceEndWithOneKey() throws Exception {
        Path file = FarmKey.defaultFile(dir);
        CompletableFuture<FarmKey> a = CompletableFuture.supplyAsync(() -> FarmKey.loadOrCreate(file));
        CompletableFuture<FarmKey> b = CompletableFuture.supplyAsync(() -> FarmKey.loadOrCreate(file));
        byte[] value = {9};
        assertThat(a.get().mac("p", value)).isEqualTo(b.get().mac("p", value));
        try (var files = Files.list(file.getParent())) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("farm.key");
        }
    }

    @Test
    void keyReadableByOthersOrMissingOrMalformedIsRefusedWithWhatToDo() throws Exception {
        Path missing = dir.resolve("none.key");
        assertThatThrownBy(() -> FarmKey.load(missing)).hasMessageContaining("no farm key at " + missing)
                .hasMessageContaining("--farm-key");
        Path open = dir.resolve("open.key");
        Files.writeString(open, "ab".repeat(32) + "\n");
        Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rw-r--r--"));
        assertThatThrownBy(() -> FarmKey.load(open)).hasMessageContaining("readable by others")
                .hasMessageContaining("chmod 600");
        Path bad = dir.resolve("bad.key");
        Files.writeString(bad, "not a key\n");
        Files.setPosixFilePermissions(bad, PosixFilePermissions.fromString("rw-------"));
        assertThatThrownBy(() -> FarmKey.load(bad)).hasMessageContaining("does not hold a key");
    }

    @Test
    void signatureHoldsForTheSignedBytesOnlyAndTheSameKey() {
        FarmKey key = FarmKey.loadOrCreate(FarmKey.defaultFile(dir));
        CloneRequest request = CloneRequest.newBuilder().setUserid("LINUX001").setBatchId("b").setAttempt(1).build();
        ProducerRecord<String, byte[]> record = EventPublisher.signedRequest(TopicLayout.defaults(), request, key);
        assertThat(RequestSignature.problem(key, record.headers(), record.key(), record.value())).isEmpty();

        byte[] changed = request.toBuilder().setAttempt(2).build().toByteArray();
        assertThat(RequestSignature.problem(key, record.headers(), record.key(), changed)).get().asString()
                .contains("does not match the farm key");
        assertThat(RequestSignature.problem(key, record.headers(), "LINUX002", record.value())).get().asString()
                .contains("does not match the farm key");
        assertThat(RequestSignature.problem(FarmKey.of(new byte[FarmKey.LENGTH]), record.headers(), record.key(),
                record.value())).get().asString().contains("does not match the farm key");
        assertThat(RequestSignature.problem(key, new RecordHeaders(), record.key(), record.value())).get().asString()
                .contains("carries no clonefarm-signature header");
        RecordHeaders garbage = new RecordHeaders();
        garbage.add(RequestSignature.HEADER, "v1:xyz".getBytes(StandardCharsets.US_ASCII));
        assertThat(RequestSignature.problem(key, garbage, record.key(), record.value())).get().asString()
                .contains("is not a v1 signature");
    }
}
