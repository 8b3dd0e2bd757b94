package org.clonefarm.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.apache.kafka.common.KafkaException;
import org.clonefarm.cli.simulation.CloneVerifier;
import org.clonefarm.cli.simulation.GuestRuntimeException;
import org.clonefarm.cli.simulation.TopicEvents;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.proto.CloneEvent;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code clonefarm verify BATCH}: checks a batch of demo clones in a local simulation. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = {
            "Check a batch of clones of the demo master in a local simulation; exit 0 only if all holds.",
            "",
            "Checks that every clone's copied disks equal the master's, file by file (except the files the agent"
                    + " changes by design), with the master's sizes; that each clone's root holds its own hostname and address"
                    + " (ro-root clones: /var/local/etc/hosts) and no finalize marker; that the master's disks and PROFILE EXEC"
                    + " have the SHA-256 recorded by 'master create-demo'; and that the CP directory is consistent. The clones"
                    + " are the NAMES entries on the master's 0191 with :batch.BATCH, plus, with --bootstrap-servers, every"
                    + " clone of the batch on the events topic, each of which must have reported READY. Prints one line per"
                    + " problem. Without --bootstrap-servers no broker is started and the topic is not read. Mounts file systems"
                    + " read-only through loop devices: run as root."
        })
public final class VerifyCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "BATCH", description = "The batch id.")
    String batch;

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        SimulationDataDirectory dir = SimulationDataDirectory.at(data.path());
        List<String> problems = new ArrayList<>();
        Set<Userid> fromTopic = new TreeSet<>();
        if (kafka.clusterGiven()) {
            String topic = kafka.topicLayout().events();
            List<CloneEvent> events;
            try {
                events = TopicEvents.read(kafka.settings(null), topic, e -> e.getBatchId().equals(batch), Duration.ofSeconds(30));
            } catch (KafkaException e) {
                throw new UserError("cannot read " + topic + " from " + kafka.bootstrapServers + ": " + e.getMessage()
                        + ". Check --bootstrap-servers, or leave it out to check the disks alone.", e);
            }
            Map<String, Boolean> ready = new TreeMap<>();
            for (CloneEvent event : events) {
                if (!event.getUserid().isEmpty() && Userid.isValid(event.getUserid())) {
                    ready.merge(event.getUserid(), event.hasReady(), Boolean::logicalOr);
                }
            }
            ready.forEach((userid, isReady) -> {
                fromTopic.add(Userid.of(userid));
                if (!isReady) {
                    problems.add("clone " + userid + ": no READY event on " + topic);
                }
            });
        }
        try {
            problems.addAll(new CloneVerifier(dir).verify(batch, fromTopic));
        } catch (IOException | GuestRuntimeException e) {
            throw new UserError("cannot verify batch " + batch + " in " + dir.root() + ": " + e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        problems.forEach(out::println);
        if (problems.isEmpty()) {
            out.println("verify: batch " + batch + " holds: clones are copies of " + org.clonefarm.cli.simulation.DemoMaster.MASTER
                    + " with their own identity, the master is unchanged, the directory is consistent");
        }
        out.flush();
        return problems.isEmpty() ? 0 : 1;
    }
}
