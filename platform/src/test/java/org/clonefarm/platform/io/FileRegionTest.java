package org.clonefarm.platform.io;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** How a user writes a byte range of an image on the command line. */
class FileRegionTest {

    @Test
    void plainPathIsTheWholeFile() {
        FileRegion region = FileRegion.parse("/data/volumes/LX0001.img");
        assertThat(region.path()).isEqualTo(Path.of("/data/volumes/LX0001.img"));
        assertThat(region.offset()).isZero();
        assertThat(region.toEnd()).isTrue();
    }

    @Test
    void offsetAndLengthAreBytes() {
        FileRegion region = FileRegion.parse("vol.img:737280:1474560");
        assertThat(region).isEqualTo(new FileRegion(Path.of("vol.img"), 737280, 1474560));
        assertThat(FileRegion.parse(region.toString())).isEqualTo(region);
    }

    @Test
    void offsetAloneRunsToTheEnd() {
        assertThat(FileRegion.parse("vol.img:4096")).isEqualTo(new FileRegion(Path.of("vol.img"), 4096, FileRegion.TO_END));
    }

    @Test
    void pathWithColonKeepsItsColonWhenTheTailIsNotNumeric() {
        assertThat(FileRegion.parse("a:b.img").path()).isEqualTo(Path.of("a:b.img"));
        assertThat(FileRegion.parse("a:b.img:0:512")).isEqualTo(new FileRegion(Path.of("a:b.img"), 0, 512));
    }

    @Test
    void badInputNamesTheText() {
        assertThatThrownBy(() -> FileRegion.parse("")).hasMessageContaining("PATH[:OFFSET[:LENGTH]]");
        assertThatThrownBy(() -> FileRegion.parse(":0:512")).hasMessageContaining("no path");
        assertThatThrownBy(() -> FileRegion.parse("vol.img:99999999999999999999"))
                .hasMessageContaining("99999999999999999999");
    }

    /** A negative offset or length is refused naming it, never read as part of the path ({@code DST:-4096}). */
    @Test
    void negativeOffsetOrLengthIsRefusedNotTakenAsAPath() {
        assertThatThrownBy(() -> FileRegion.parse("dst.img:-4096"))
                .hasMessage("offset '-4096' in file region 'dst.img:-4096' is negative: offsets and lengths are byte"
                        + " counts of 0 or more");
        assertThatThrownBy(() -> FileRegion.parse("vol.img:0:-512")).hasMessageStartingWith("length '-512'");
        assertThatThrownBy(() -> FileRegion.parse("vol.img:-1:512")).hasMessageStartingWith("offset '-1'");
    }
}
