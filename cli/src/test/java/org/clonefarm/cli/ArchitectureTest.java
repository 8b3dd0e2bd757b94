package org.clonefarm.cli;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import java.util.List;
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

    /** The modules whose {@code internal} packages are theirs alone. */
    private static final List<String> MODULES = List.of("org.clonefarm.platform", "org.clonefarm.messaging",
            "org.clonefarm.coordinator", "org.clonefarm.worker", "org.clonefarm.agent", "org.clonefarm.cli");

    /** Every {@code internal} package is used only from inside its own module. */
    @Test
    void internalPackagesArePrivateToTheirModule() {
        for (String module : MODULES) {
            noClasses().that().resideOutsideOfPackage(module + "..")
                    .should().dependOnClassesThat().resideInAPackage(module + "..internal..")
                    .allowEmptyShould(true)
                    .because("the internal packages of " + module + " are its implementation")
                    .check(classes);
        }
    }

    /** The copy engine's internals are not even the rest of the worker's business. */
    @Test
    void copyEngineInternalsAreUsedOnlyByTheCopyEngine() {
        noClasses().that().resideOutsideOfPackage("org.clonefarm.worker.copy..")
                .should().dependOnClassesThat().resideInAPackage("org.clonefarm.worker.copy.internal..")
                .allowEmptyShould(true)
                .check(classes);
    }

    /**
     * A worker reaches minidisks through the {@link org.clonefarm.worker.disk.MinidiskAccess} it is given,
     * so the code that copies, verifies and commits is the code that runs on z/VM. Only the simulation's
     * own disk access ({@code worker.disk.simulation}) and the factory that builds it for
     * {@code --disk-access volumes} know the simulation.
     */
    @Test
    void workerDoesNotUseTheSimulation() {
        noClasses().that().resideInAPackage("org.clonefarm.worker..")
                .and().resideOutsideOfPackage("org.clonefarm.worker.disk.simulation..")
                .and().doNotHaveFullyQualifiedName("org.clonefarm.worker.service.DiskAccessFactory")
                .should().dependOnClassesThat().resideInAnyPackage("org.clonefarm.platform.simulation..",
                        "org.clonefarm.worker.disk.simulation..")
                .orShould().dependOnClassesThat().haveFullyQualifiedName("org.clonefarm.platform.simulation.SimulatedCp")
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
