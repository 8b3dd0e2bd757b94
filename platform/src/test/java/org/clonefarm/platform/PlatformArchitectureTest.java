package org.clonefarm.platform;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The platform module's layering, as DESIGN.md draws it, checked on the compiled classes. */
class PlatformArchitectureTest {

    static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("org.clonefarm.platform");
    }

    /** platform knows nothing of Kafka, Vert.x or the modules built on it. */
    @Test
    void platformDependsOnNoMessagingAndNoSiblingModule() {
        noClasses().that().resideInAPackage("org.clonefarm.platform..")
                .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "io.vertx..", "org.clonefarm.proto..",
                        "org.clonefarm.worker..", "org.clonefarm.coordinator..", "org.clonefarm.agent..", "org.clonefarm.guestagent..", "org.clonefarm.cli..",
                        "org.clonefarm.messaging..")
                .check(classes);
    }

    /** Formats and models do not reach up into allocation, CP or the simulation. */
    @Test
    void modelPackagesDoNotDependOnTheLayersAboveThem() {
        noClasses().that().resideInAnyPackage("org.clonefarm.platform.names..", "org.clonefarm.platform.geometry..",
                        "org.clonefarm.platform.volume..", "org.clonefarm.platform.directory..",
                        "org.clonefarm.platform.layout..")
                .should().dependOnClassesThat().resideInAnyPackage("org.clonefarm.platform.allocation..",
                        "org.clonefarm.platform.cp..", "org.clonefarm.platform.simulation..")
                .check(classes);
        noClasses().that().resideInAPackage("org.clonefarm.platform.allocation..")
                .should().dependOnClassesThat().resideInAnyPackage("org.clonefarm.platform.cp..", "org.clonefarm.platform.simulation..")
                .check(classes);
    }

    /** An internal package is used only by the package it belongs to. */
    @Test
    void internalPackagesStayInternal() {
        noClasses().that().resideOutsideOfPackage("org.clonefarm.platform.cp..")
                .should().dependOnClassesThat().resideInAPackage("org.clonefarm.platform.cp.internal..")
                .check(classes);
        noClasses().that().resideOutsideOfPackage("org.clonefarm.platform.simulation..")
                .should().dependOnClassesThat().resideInAPackage("org.clonefarm.platform.simulation.internal..")
                .check(classes);
        noClasses().that().resideOutsideOfPackage("org.clonefarm.platform.master..")
                .should().dependOnClassesThat().resideInAPackage("org.clonefarm.platform.master.internal..")
                .check(classes);
    }
}
