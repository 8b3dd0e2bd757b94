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
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.names.NamesFile;
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
        Map<String, List<String>> configured = new TreeMap<>();
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
                    if (event.hasReady() && event.getReady().getConfiguredAddressesCount() > 0) {
                        configured.put(event.getUserid(), event.getReady().getConfiguredAddressesList());
                    }
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
            CloneVerifier verifier = new CloneVerifier(dir);
            problems.addAll(verifier.verify(batch, fromTopic));
            if (!configured.isEmpty()) {
                NamesFile names = verifier.namesFile();
                configured.forEach((userid, addresses) -> names.resolve(userid).ifPresent(entry ->
                        problems.addAll(configuredAddressProblems(userid, entry, addresses))));
            }
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

    /**
     * Whether a READY event's configured addresses (read from the guest's kernel) hold the addresses of
     * the clone's NAMES entry ({@code :ipaddr.}, {@code :ipaddr6.}): one line per address that is not
     * on the interface. Addresses compare as addresses, so {@code fd00:0::21} is {@code fd00::21}.
     */
    static List<String> configuredAddressProblems(String userid, NamesEntry entry, List<String> configured) {
        List<String> problems = new ArrayList<>();
        for (String tag : List.of("ipaddr", "ipaddr6")) {
            String wanted = entry.get(tag).orElse("").trim();
            if (wanted.isEmpty()) {
                continue;
            }
            boolean present = configured.stream().anyMatch(address -> sameAddress(address.split("/", 2)[0], wanted));
            if (!present) {
                problems.add("clone " + userid + ": its READY event has " + String.join(" ", configured) + " on the interface"
                        + ", not :" + tag + "." + wanted + " of its NAMES entry");
            }
        }
        return problems;
    }

    private static boolean isLiteral(String text) {
        return text.matches("[0-9]{1,3}(\\.[0-9]{1,3}){3}") || text.matches("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*");
    }

    /** Whether two address literals are the same address (never a name lookup: only literals are compared). */
    private static boolean sameAddress(String a, String b) {
        if (!isLiteral(a) || !isLiteral(b)) {
            return a.equalsIgnoreCase(b);
        }
        try {
            return java.net.InetAddress.getByName(a).equals(java.net.InetAddress.getByName(b));
        } catch (java.net.UnknownHostException e) {
            return a.equalsIgnoreCase(b);
        }
    }
}
