package org.clonefarm.platform.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Durable replacement of small files leaves the new content and no temporary files. */
class DurableFilesTest {

    @Test
    void replacesContentAndLeavesNoTemporaryFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("sub/state.txt");
        DurableFiles.writeAtomically(file, "one".getBytes(StandardCharsets.UTF_8));
        DurableFiles.writeAtomically(file, "two, longer".getBytes(StandardCharsets.UTF_8));
        assertThat(Files.readString(file)).isEqualTo("two, longer");
        try (Stream<Path> entries = Files.list(file.getParent())) {
            assertThat(entries).containsExactly(file);
        }
    }
}
