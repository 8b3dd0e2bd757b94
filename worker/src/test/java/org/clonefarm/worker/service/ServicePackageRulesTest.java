package org.clonefarm.worker.service;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/** The worker service's layering: its internals (poll loop, ledger, jobs, HTTP) stay behind its API. */
class ServicePackageRulesTest {
    private static final JavaClasses WORKER = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("org.clonefarm.worker");

    /** Only the service packages use the service internals; callers start a worker through WorkerService. */
    @Test
    void serviceInternalsAreUsedOnlyByTheServicePackages() {
        classes().that().resideInAPackage("org.clonefarm.worker.service.internal..")
                .should().onlyBeAccessed().byClassesThat().resideInAPackage("org.clonefarm.worker.service..")
                .check(WORKER);
    }
}
