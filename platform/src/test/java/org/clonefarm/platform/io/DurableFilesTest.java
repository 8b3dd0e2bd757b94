package org.clonefarm.platform.io;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Replacing a file durably: the new content whole, the old inode gone, no temporary file left. */
class DurableFilesTest {

    /** Replace swaps in a new file by rename and leaves nothing else in the directory. */
    @Test
    void replaceSwapsTheWholeFileAndLeavesNoTemporary(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("sub/USER.DIRECT");
        DurableFiles.replace(file, "old\n".getBytes(StandardCharsets.UTF_8));
        Object oldKey = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey();

        DurableFiles.replace(file, "new\n".getBytes(StandardCharsets.UTF_8));

        assertThat(Files.readString(file)).isEqualTo("new\n");
        assertThat(Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class).fileKey()).isNotEqualTo(oldKey);
        try (Stream<Path> files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file);
        }
    }
}
