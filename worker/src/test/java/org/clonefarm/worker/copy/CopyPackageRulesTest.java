package org.clonefarm.worker.copy;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The copy engine's layering: internals stay behind the API, and the engine knows nothing of Kafka or Vert.x. */
class CopyPackageRulesTest {
    private static final JavaClasses WORKER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.clonefarm.worker");

    /** Only the copy packages use the copy internals; the worker service goes through the API. */
    @Test
    void copyInternalsAreUsedOnlyByTheCopyPackages() {
        classes().that().resideInAPackage("org.clonefarm.worker.copy.internal..")
                .should().onlyBeAccessed().byClassesThat().resideInAPackage("org.clonefarm.worker.copy..")
                .check(WORKER);
    }

    /** The copy engine is a plain library: no Kafka, no Vert.x, so the CLI and tests use it alone. */
    @Test
    void copyEngineDependsOnNeitherKafkaNorVertx() {
        noClasses().that().resideInAPackage("org.clonefarm.worker.copy..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "io.vertx..")
                .check(WORKER);
    }
}
