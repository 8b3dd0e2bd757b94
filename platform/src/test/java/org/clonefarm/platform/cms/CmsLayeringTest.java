package org.clonefarm.platform.cms;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The CMS code keeps its layers: on-disk structures stay internal, NAMES sits on the public API only. */
class CmsLayeringTest {

    private static final JavaClasses PLATFORM = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.clonefarm.platform");

    /** Only the cms package itself uses the on-disk structures of cms.internal. */
    @Test
    void internalStructuresAreUsedOnlyByTheCmsPackage() {
        noClasses().that().resideOutsideOfPackages("org.clonefarm.platform.cms", "org.clonefarm.platform.cms.internal")
                .should().dependOnClassesThat().resideInAPackage("org.clonefarm.platform.cms.internal")
                .check(PLATFORM);
    }

    /** The file system knows nothing of NAMES files, which are one kind of file on it. */
    @Test
    void fileSystemDoesNotDependOnNames() {
        noClasses().that().resideInAnyPackage("org.clonefarm.platform.cms..")
                .should().dependOnClassesThat().resideInAPackage("org.clonefarm.platform.names")
                .check(PLATFORM);
    }
}
