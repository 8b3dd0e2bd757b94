package org.clonefarm.platform.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path dir;

    @Test
    void deletesTheTreeAndItsLinksButNotWhatTheLinksPointTo() throws IOException {
        Path outside = Files.writeString(dir.resolve("outside.txt"), "keep me");
        Path keptDir = Files.createDirectories(dir.resolve("kept-dir"));
        Files.writeString(keptDir.resolve("inner.txt"), "keep me too");
        Path tree = Files.createDirectories(dir.resolve("tree/a/b"));
        Files.writeString(tree.resolve("file.txt"), "gone");
        Files.createSymbolicLink(dir.resolve("tree/a/link-to-file"), outside);
        Files.createSymbolicLink(dir.resolve("tree/a/link-to-dir"), keptDir);

        FileTrees.deleteTree(dir.resolve("tree"));

        assertThat(dir.resolve("tree")).doesNotExist();
        assertThat(outside).hasContent("keep me");
        assertThat(keptDir.resolve("inner.txt")).hasContent("keep me too");
    }

    @Test
    void aMissingPathIsNothingToDoAndALinkIsDeletedItself() throws IOException {
        FileTrees.deleteTree(dir.resolve("never-made"));
        Path target = Files.createDirectories(dir.resolve("target"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), target);

        FileTrees.deleteTree(link);

        assertThat(Files.exists(link, LinkOption.NOFOLLOW_LINKS)).isFalse();
        assertThat(target).isDirectory();
    }

    @Test
    void refusesToDeleteIntoAnotherFileSystemMountedInTheTree() throws IOException {
        Path mountPoint = Files.createDirectories(dir.resolve("tree/mnt"));
        HostTool.checkOutput(List.of("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint.toString()),
                Duration.ofSeconds(30));
        try {
            Files.writeString(mountPoint.resolve("data.txt"), "on the other file system");

            assertThatThrownBy(() -> FileTrees.deleteTree(dir.resolve("tree")))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining(mountPoint + " is the mount point of another file system");
            assertThat(mountPoint.resolve("data.txt")).hasContent("on the other file system");
        } finally {
            HostTool.run(List.of("umount", mountPoint.toString()), Duration.ofSeconds(30));
        }
    }
}
