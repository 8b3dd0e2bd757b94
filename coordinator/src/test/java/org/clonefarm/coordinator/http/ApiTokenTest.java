package org.clonefarm.coordinator.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API token: created private, reused, compared exactly; never an open API off loopback. */
class ApiTokenTest {

    /** The token a data directory gets is created once with mode 0600 and read back at every later start. */
    @Test
    void dataDirectoryTokenIsCreatedOwnerOnlyAndReused(@TempDir Path data) throws Exception {
        ApiToken first = ApiToken.ofDataDirectory(data);
        Path file = data.resolve("api-token");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(first.reveal()).hasSize(43);
        ApiToken second = ApiToken.ofDataDirectory(data);
        assertThat(second.reveal()).isEqualTo(first.reveal());
        assertThat(second.matches(first.reveal())).isTrue();
        assertThat(second.matches(first.reveal() + "x")).isFalse();
        assertThat(second.matches(null)).isFalse();
        assertThat(ApiToken.ofDataDirectory(Files.createDirectory(data.resolve("other"))).reveal())
                .isNotEqualTo(first.reveal());
    }

    /** A token file that is missing or holds a short token is refused with the file's name. */
    @Test
    void missingOrShortTokenFileIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        Path missing = dir.resolve("nope");
        assertThatThrownBy(() -> ApiToken.fromFile(missing)).hasMessageContaining(missing.toString());
        Path shortToken = Files.writeString(dir.resolve("short"), "abc\n");
        assertThatThrownBy(() -> ApiToken.fromFile(shortToken)).hasMessageContaining(shortToken.toString())
                .hasMessageContaining("at least 16");
        Path good = Files.writeString(dir.resolve("good"), "  s3cret-token-of-some-length  \nignored\n");
        assertThat(ApiToken.fromFile(good).matches("s3cret-token-of-some-length")).isTrue();
    }

    /** Listening on a non-loopback address without a token is refused before anything starts. */
    @Test
    void nonLoopbackAddressWithoutTokenIsRefused() {
        assertThatThrownBy(() -> new HttpSettings("0.0.0.0", 8080, null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without an API token");
        assertThat(new HttpSettings("127.0.0.1", 0, null).token()).isNull();
        assertThat(new HttpSettings("0.0.0.0", 0, ApiToken.of("a-token-of-enough-length")).host()).isEqualTo("0.0.0.0");
    }
}
