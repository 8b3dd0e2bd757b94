package org.clonefarm.platform.cms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** File names, types and modes follow the CMS rules. */
class CmsFileIdTest {

    /** Lower case is accepted and stored upper case, so names match case-insensitively. */
    @Test
    void upperCasesNamesAndDefaultsTheMode() {
        CmsFileId id = CmsFileId.of("names", "Data");
        assertThat(id).isEqualTo(new CmsFileId("NAMES", "DATA", "A1"));
        assertThat(id.sameFile(new CmsFileId("NAMES", "DATA", "b2"))).isTrue();
        assertThat(new CmsFileId("$A#@+-:_", "X,Y", "z6").mode()).isEqualTo("Z6");
    }

    /** Names longer than 8, empty, or with characters outside the CMS set are refused with the reason. */
    @Test
    void refusesNamesOutsideTheRules() {
        assertThatThrownBy(() -> CmsFileId.of("TOOLONGNAME", "DATA")).hasMessageContaining("1 to 8 characters");
        assertThatThrownBy(() -> CmsFileId.of("", "DATA")).hasMessageContaining("1 to 8 characters");
        assertThatThrownBy(() -> CmsFileId.of("A.B", "DATA")).hasMessageContaining("'.'");
        assertThatThrownBy(() -> CmsFileId.of("AB", "DA TA")).hasMessageContaining("' '");
        assertThatThrownBy(() -> new CmsFileId("A", "B", "A7")).hasMessageContaining("digit 0-6");
        assertThatThrownBy(() -> new CmsFileId("A", "B", "1A")).hasMessageContaining("letter");
    }

    /** FN FT [FM] as people write it: any case, any blanks between the words, the mode A1 when none is given. */
    @Test
    void parsesFileIdsWrittenAsText() {
        assertThat(CmsFileId.parse("LINUX NAMES")).isEqualTo(new CmsFileId("LINUX", "NAMES", "A1"));
        assertThat(CmsFileId.parse("  clones \t names  b2 ")).isEqualTo(new CmsFileId("CLONES", "NAMES", "B2"));
        assertThat(CmsFileId.parse("LINUX NAMES").nameAndType()).isEqualTo("LINUX NAMES");
    }

    /** Text that is no file id is refused with one message: the text, the form FN FT [FM] and what is wrong. */
    @Test
    void refusesTextThatIsNoFileIdWithOneMessage() {
        for (String text : new String[] {"", "   ", "NAMES", "A B A1 X"}) {
            assertThatThrownBy(() -> CmsFileId.parse(text)).as("'%s'", text).isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("'" + text + "' is not a CMS file id FN FT [FM], such as LINUX NAMES");
        }
        assertThatThrownBy(() -> CmsFileId.parse("TOOLONGNAME NAMES"))
                .hasMessage("'TOOLONGNAME NAMES' is not a CMS file id FN FT [FM]: file name 'TOOLONGNAME' must be 1 to 8 characters");
        assertThatThrownBy(() -> CmsFileId.parse("LINUX NAMES A9"))
                .hasMessageStartingWith("'LINUX NAMES A9' is not a CMS file id FN FT [FM]: file mode 'A9'");
    }
}
