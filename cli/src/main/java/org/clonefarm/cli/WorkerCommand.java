package org.clonefarm.cli;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.clonefarm.worker.copy.CopyOptions;
import org.clonefarm.cli.embedded.ClusterPrincipal;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.worker.disk.DiskAccessKind;
import org.clonefarm.worker.service.DiskSettings;
import org.clonefarm.worker.service.WorkerConfig;
import org.clonefarm.worker.service.WorkerService;
import org.clonefarm.worker.service.WorkerStartException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code clonefarm worker}: one copy worker in the farm's consumer group, until SIGTERM or Ctrl-C (then
 * it stops its copies at a checkpoint, leaves the group and exits 0).
 */
@Command(name = "worker", mixinStandardHelpOptions = true,
        description = {
            "Run a copy worker: join the workers' consumer group on clonefarm.clone-requests, copy each clone's",
            "disks (checkpointed, resumable) and publish copy events. Runs until Ctrl-C or SIGTERM, then stops the",
            "copies at a checkpoint, commits what finished, leaves the group and exits 0.",
            "Without --bootstrap-servers it uses the embedded broker of 'clonefarm up' on the same --data.",
            "The log is in DATA/logs/clonefarm-worker-ID.log."
        })
public final class WorkerCommand implements Callable<Integer> {

    @Mixin
    DataDirectoryOption data;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--id", paramLabel = "ID",
            description = "Worker id: producer id of its events and name of its checkpoint directory DATA/checkpoints/ID,"
                    + " so a restarted worker with the same id resumes its copies (default: worker-HOSTNAME).")
    String id;

    @Option(names = "--max-clones", paramLabel = "N", defaultValue = "" + WorkerConfig.DEFAULT_MAX_CLONES,
            description = WorkerConfig.MAX_CLONES_DOC + " Default ${DEFAULT-VALUE}.")
    int maxClones;

    @Option(names = "--http-port", paramLabel = "N", defaultValue = "9180",
            description = "Port of GET /health and GET /metrics (Prometheus): 1-65535, 0 for any free port,"
                    + " -1 for no HTTP server (default: ${DEFAULT-VALUE}).")
    int httpPort;

    @Option(names = "--group", paramLabel = "GROUP", defaultValue = WorkerConfig.DEFAULT_GROUP,
            description = "Consumer group of the farm's workers (default: ${DEFAULT-VALUE}).")
    String group;

    @Mixin
    CopyTuningOptions tuning;

    @Mixin
    FarmKeyOption farmKey;

    @Mixin
    DiskAccessOptions disks;

    @Mixin
    ZvmToolOptions tools;

    @Mixin
    ConsoleOptions terminal;

    @Option(names = "--simulated-zvm",
            description = "Run the cp disk access against the local simulation of --data instead of this guest's CP and"
                    + " channel subsystem: CP in this process (its state shared with every process on the directory),"
                    + " linked minidisks online as loop devices, the worker being guest " + DemoMaster.WORKER + ".")
    boolean simulatedZvm;

    @Override
    public Integer call() throws Exception {
        CopyOptions options = tuning.options();
        DiskSettings diskSettings = tools.apply(disks.settings(DiskAccessKind.VOLUMES));
        if (simulatedZvm) {
            if (diskSettings.kind() != DiskAccessKind.CP) {
                throw UserError.usage("--simulated-zvm is for --disk-access cp: the volumes access needs no z/VM.");
            }
            diskSettings = WorkerDiskAccess.simulated(diskSettings);
        }
        if (maxClones < 1 || maxClones > WorkerConfig.MAX_MAX_CLONES) {
            throw UserError.usage("--max-clones must be from 1 to " + WorkerConfig.MAX_MAX_CLONES + ", got " + maxClones + ".");
        }
        if (httpPort < -1 || httpPort > 65535) {
            throw UserError.usage("--http-port must be 1-65535, 0 for any free port or -1 for none, got " + httpPort + ".");
        }
        Path dataDir = data.writable();
        FarmConnection farm = FarmConnection.open(kafka, dataDir);
        WorkerConfig config;
        try {
            config = new WorkerConfig(id != null ? id : defaultId(), dataDir, farm.settings(), farm.layout(), group,
                    maxClones, options, httpPort, farmKey.file(dataDir), diskSettings);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("--id/--group: " + e.getMessage() + ".");
        }
        farm.requireRightsOf(ClusterPrincipal.WORKER, config.groupId(), kafka.kafkaConfig);
        ShutdownSignal signal = ShutdownSignal.install();
        try (ConsoleOptions.CommandConsole session = terminal.open("clonefarm worker", dataDir, "worker-" + config.workerId());
                WorkerService worker = WorkerService.start(config,
                WorkerDiskAccess.factory(diskSettings, dataDir, simulatedZvm))) {
            session.console().result("clonefarm worker: id=" + config.workerId() + " bootstrap.servers="
                    + farm.settings().bootstrapServers() + " data=" + dataDir
                    + (worker.httpPort() > 0 ? " metrics=http://127.0.0.1:" + worker.httpPort() + "/metrics" : ""));
            while (!signal.await(200, TimeUnit.MILLISECONDS)) {
                if (worker.stopped().isDone()) {
                    throw new UserError("Worker " + config.workerId() + " stopped: its Kafka consumer failed (see "
                            + session.log().file() + "). Check the cluster and start the worker again; its copies resume"
                            + " from checkpoints.");
                }
            }
            session.console().say("stopping, copies stop at a checkpoint");
        } catch (WorkerStartException e) {
            throw new UserError(e.getMessage() + ".", e);
        }
        return 0;
    }

    private static String defaultId() {
        try {
            String host = InetAddress.getLocalHost().getHostName().replaceAll("[^A-Za-z0-9._-]", "-");
            return ("worker-" + host).substring(0, Math.min(64, 7 + host.length()));
        } catch (UnknownHostException e) {
            return "worker-" + ProcessHandle.current().pid();
        }
    }
}
