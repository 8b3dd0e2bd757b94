package org.clonefarm.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The shape of the house (DESIGN.md, "Modules"): which module may use which, that {@code platform}
 * knows nothing of Kafka or Vert.x, and that {@code internal} packages stay private to their module
 * part. Runs over the production classes of every module.
 */
class ArchitectureTest {
    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                // our modules come as jars when the cli module is built alone: take those, no others
                .withImportOption(location -> !location.isJar() || location.contains("/clonefarm-"))
                .importPackages("org.clonefarm");
    }

    @Test
    void platformKnowsNothingOfKafkaVertxOrOurServices() {
        ArchRule rule = noClasses().that().resideInAPackage("org.clonefarm.platform..")
                .should().dependOnClassesThat().resideInAnyPackage(
                        "org.apache.kafka..", "io.vertx..", "com.google.protobuf..", "org.clonefarm.proto..",
                        "org.clonefarm.messaging..", "org.clonefarm.worker..", "org.clonefarm.coordinator..",
                        "org.clonefarm.agent..", "org.clonefarm.cli..");
        rule.check(classes);
    }

    @Test
    void messagingDependsOnlyOnTheContract() {
        noClasses().that().resideInAPackage("org.clonefarm.messaging..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "org.clonefarm.platform..",
                        "org.clonefarm.worker..", "org.clonefarm.coordinator..", "org.clonefarm.agent..",
                        "org.clonefarm.cli..")
                .check(classes);
    }

    /** Metrics belong to the services: the contract and the z/VM model stay free of Micrometer. */
    @Test
    void messagingAndPlatformKnowNothingOfMetrics() {
        noClasses().that().resideInAnyPackage("org.clonefarm.messaging..", "org.clonefarm.platform..")
                .should().dependOnClassesThat().resideInAnyPackage("io.micrometer..")
                .check(classes);
    }

    @Test
    void workerDoesNotUseCoordinatorAgentOrCli() {
        noClasses().that().resideInAPackage("org.clonefarm.worker..")
                .should().dependOnClassesThat().resideInAnyPackage("org.clonefarm.coordinator..",
                        "org.clonefarm.agent..", "org.clonefarm.cli..")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void coordinatorDoesNotUseWorkerAgentOrCli() {
        noClasses().that().resideInAPackage("org.clonefarm.coordinator..")
                .should().dependOnClassesThat().resideInAnyPackage("org.clonefarm.worker..",
                        "org.clonefarm.agent..", "org.clonefarm.cli..")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void guestAgentNeedsNeitherVertxNorTheServices() {
        noClasses().that().resideInAPackage("org.clonefarm.agent..")
                .should().dependOnClassesThat().resideInAnyPackage("io.vertx..", "org.rocksdb..",
                        "org.clonefarm.worker..", "org.clonefarm.coordinator..", "org.clonefarm.cli..")
                .allowEmptyShould(true)
                .check(classes);
    }

    @Test
    void onlyTheCliUsesTheKafkaBroker() {
        noClasses().that().resideOutsideOfPackages("org.clonefarm.cli..", "org.clonefarm.testsupport..")
                .should().dependOnClassesThat().resideInAnyPackage("kafka..", "org.apache.kafka.server..",
                        "org.apache.kafka.raft..", "org.apache.kafka.metadata..")
                .check(classes);
    }

    @Test
    void internalPackagesAreUsedOnlyFromTheirOwnPart() {
        noClasses().that().resideOutsideOfPackage("org.clonefarm.worker.copy..")
                .should().dependOnClassesThat().resideInAPackage("org.clonefarm.worker.copy.internal..")
                .allowEmptyShould(true)
                .check(classes);
        noClasses().that().resideOutsideOfPackage("org.clonefarm.platform..")
                .should().dependOnClassesThat().resideInAPackage("org.clonefarm.platform..internal..")
                .allowEmptyShould(true)
                .check(classes);
        noClasses().that().resideOutsideOfPackage("org.clonefarm.coordinator..")
                .should().dependOnClassesThat().resideInAPackage("org.clonefarm.coordinator..internal..")
                .allowEmptyShould(true)
                .check(classes);
    }

    /**
     * A worker reaches minidisks through the {@code CcwBus} it is given; only the command line wires the
     * simulation's loop devices in, so the worker's code path is the one that runs on z/VM.
     */
    @Test
    void workerCodeNeverNamesTheSimulatedChannelSubsystem() {
        noClasses().that().resideInAPackage("org.clonefarm.worker..")
                .should().dependOnClassesThat().haveFullyQualifiedName("org.clonefarm.platform.simulation.SimulatedCcwBus")
                .allowEmptyShould(true)
                .check(classes);
    }

    /** The logging binding is configured in one place: everything else logs through slf4j only. */
    @Test
    void onlyTheConsolePackageKnowsTheLoggingBinding() {
        noClasses().that().resideOutsideOfPackage("org.clonefarm.cli.console..")
                .should().dependOnClassesThat().resideInAnyPackage("ch.qos.logback..", "org.slf4j.simple..")
                .check(classes);
    }
}
