package org.clonefarm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clonefarm.cli.simulation.DemoMaster;
import org.clonefarm.messaging.CloneKey;
import org.clonefarm.messaging.FarmKey;
import org.clonefarm.messaging.KafkaSettings;
import org.clonefarm.platform.allocation.ExtentAllocator;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.cms.RecordFormat;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.MdiskLocation;
import org.clonefarm.platform.directory.MdiskStatement;
import org.clonefarm.platform.directory.NewUser;
import org.clonefarm.platform.directory.Statement;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.directory.Prototype;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.HostTool;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.platform.names.NamesEntry;
import org.clonefarm.platform.names.NamesFile;
import org.clonefarm.platform.simulation.SimulationDataDirectory;

/**
 * What the coordinator and the workers will do for a batch, done plainly for the tests of the local
 * runtime and verify: clone entries LIKE a demo prototype, a byte copy of the master's extents into
 * the clones' (zero chunks skipped: the pool volumes are fresh), and the clones' NAMES entries written
 * to the master's 0191 with {@link NamesFile} and {@link EdfFileSystem}, the way submit will.
 */
final class DemoClones {
    private static final int CHUNK = 1 << 20;

    private DemoClones() {
    }

    /**
     * Adds the clones LIKE the prototype with the disks they own added as the planner adds a spec's
     * copy rules (AUTOG of the master's size from LNXPOOL), and copies the master's disks into theirs.
     */
    static void create(SimulationDataDirectory data, String prototype, List<String> userids) throws IOException {
        UserDirectory directory = data.readDirectory();
        DirectoryEntry entry = directory.entry(Userid.of(prototype)).orElseThrow();
        List<Statement> body = new ArrayList<>(entry.body());
        List<Vaddr> owned = prototype.equals(DemoMaster.PROTOTYPE_RO) ? List.of(Role.VAR.vaddr())
                : List.of(Role.ROOT.vaddr(), Role.VAR.vaddr());
        for (Vaddr vaddr : owned) {
            body.add(new MdiskStatement(vaddr, DeviceType.DASD_3390, new MdiskLocation.AutoGroup(
                    DemoMaster.disk(vaddr).cylinders(), DemoMaster.GROUP), "MR", List.of()));
        }
        Prototype proto = Prototype.of(entry.withBody(body));
        List<NewUser> users = new ArrayList<>();
        for (String userid : userids) {
            users.add(new NewUser(Userid.of(userid), "PW" + userid.substring(userid.length() - 3)));
        }
        new ExtentAllocator(data.readExtentControl(), directory).addLike(proto, users);
        data.writeDirectory(directory);
        for (String userid : userids) {
            for (Prototype.DiskRequest disk : proto.disks()) {
                copy(DemoMaster.disk(disk.vaddr()).region(data), data.resolve(Userid.of(userid), disk.vaddr()));
            }
        }
    }

    /** A plain byte copy of one extent into another of the same size. */
    static void copy(FileRegion source, FileRegion target) throws IOException {
        if (source.length() != target.length()) {
            throw new IOException(target + " is not the size of " + source);
        }
        try (FileChannel in = FileChannel.open(source.path(), StandardOpenOption.READ);
                FileChannel out = FileChannel.open(target.path(), StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.allocate(CHUNK);
            for (long done = 0; done < source.length(); done += CHUNK) {
                buffer.clear().limit((int) Math.min(CHUNK, source.length() - done));
                while (buffer.hasRemaining()) {
                    if (in.read(buffer, source.offset() + done + buffer.position()) < 0) {
                        throw new IOException(source + " ends early");
                    }
                }
                if (!zero(buffer.array(), buffer.limit())) {
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        out.write(buffer, target.offset() + done + buffer.position());
                    }
                }
            }
            out.force(false);
        }
    }

    private static boolean zero(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** The NAMES entry of clone number {@code n}, as the planner writes it: hostname linuxNNN.DOMAIN, address 10.1.0.(100 + n). */
    static NamesEntry entry(String userid, String batch) {
        int n = Integer.parseInt(userid.substring(userid.length() - 3));
        return NamesEntry.of(userid, Map.of("hostname", userid.toLowerCase() + "." + DemoMaster.DOMAIN, "ipaddr", "10.1.0." + (100 + n),
                "batch", batch, "attempt", "1"));
    }

    /** Adds entries to LINUX NAMES on the master's 0191 (with the DEFAULTS entry), replacing ones of the same nick. */
    static synchronized void writeNames(SimulationDataDirectory data, List<NamesEntry> entries) throws IOException {
        try (EdfFileSystem disk = EdfFileSystem.openForUpdate(DemoMaster.disk(Role.CONFIG).region(data))) {
            Map<String, NamesEntry> all = new LinkedHashMap<>();
            all.put(NamesFile.DEFAULTS, NamesEntry.of(NamesFile.DEFAULTS, Map.of("netmask", "255.255.255.0",
                    "gateway", "10.1.0.1", "nameservers", "10.1.0.2", "domain", DemoMaster.DOMAIN, "interface", "0600")));
            if (disk.exists(CloneLayout.NAMES_FILE)) {
                NamesFile.read(disk, CloneLayout.NAMES_FILE).entries().forEach(e -> all.put(e.nick(), e));
            }
            entries.forEach(e -> all.put(e.nick(), e));
            NamesFile.of(new ArrayList<>(all.values())).write(disk, CloneLayout.NAMES_FILE, RecordFormat.F,
                    NamesFile.DEFAULT_RECORD_LENGTH);
        }
    }

    /**
     * Checks that each clone's /var ({@link Role#VAR}) holds its own clone key for {@code batch} attempt 1 at
     * {@link CloneLayout#CLONE_KEY_IN_VAR}, mode 0600, owner root, as the worker seeded it, and that the master's
     * config disk, which every clone links, holds none of them. Read with e2fsprogs' debugfs, without mounting.
     */
    static void assertClonesHoldTheirOwnKeys(SimulationDataDirectory data, String batch, List<String> userids)
            throws IOException {
        FarmKey farmKey = FarmKey.load(FarmKey.defaultFile(data.root()));
        String config = new String(readRegion(DemoMaster.disk(Role.CONFIG).region(data)), StandardCharsets.ISO_8859_1);
        String path = "/" + CloneLayout.CLONE_KEY_IN_VAR;
        for (String userid : userids) {
            String keyFile = new String(CloneKey.derive(farmKey, userid, batch, 1).toFileBytes(), StandardCharsets.US_ASCII);
            FileRegion var = data.resolve(Userid.of(userid), Role.VAR.vaddr());
            String device = var.path() + "?offset=" + var.offset();
            assertThat(HostTool.checkOutput(List.of("debugfs", "-R", "stat " + path, device), Duration.ofSeconds(30)))
                    .as("the key file of %s", userid).containsPattern("Mode: +0600").containsPattern("User: +0 +Group: +0 ");
            assertThat(HostTool.checkOutput(List.of("debugfs", "-R", "cat " + path, device), Duration.ofSeconds(30)).strip())
                    .as("the key of %s", userid).isEqualTo(keyFile.strip());
            String hex = keyFile.replaceAll("(?s).*key=", "").strip();
            assertThat(config).as("the master's config disk holds no clone key").doesNotContain(hex);
        }
    }

    private static byte[] readRegion(FileRegion region) throws IOException {
        try (FileChannel in = FileChannel.open(region.path(), StandardOpenOption.READ)) {
            ByteBuffer buffer = ByteBuffer.allocate(Math.toIntExact(region.length()));
            while (buffer.hasRemaining()) {
                if (in.read(buffer, region.offset() + buffer.position()) < 0) {
                    throw new IOException(region + " ends early");
                }
            }
            return buffer.array();
        }
    }

    /** Loop devices backed by files under {@code dir}, and mounts under it: what a test must leave behind (nothing). */
    static List<String> hostResourcesUnder(Path dir) throws IOException {
        List<String> found = new ArrayList<>();
        String prefix = dir.toRealPath().toString();
        for (String line : HostTool.checkOutput(List.of("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE"),
                Duration.ofSeconds(30)).split("\n")) {
            if (line.contains(prefix)) {
                found.add("loop device " + line.trim());
            }
        }
        for (String line : java.nio.file.Files.readAllLines(Path.of("/proc/mounts"))) {
            String[] fields = line.split(" ");
            if (fields.length > 1 && fields[1].startsWith(prefix)) {
                found.add("mount " + fields[0] + " on " + fields[1]);
            }
        }
        return found;
    }

    /**
     * Releases what {@link #hostResourcesUnder} finds (mounts deepest first, then loop devices), so that a test
     * that failed half-way leaves the host clean, and returns what it found: empty after a clean run.
     */
    static List<String> releaseHostResourcesUnder(Path dir) throws IOException {
        List<String> found = hostResourcesUnder(dir);
        if (!found.isEmpty()) {
            org.clonefarm.platform.io.LoopMount.releaseUnder(dir);
            String prefix = dir.toRealPath().toString();
            for (String line : HostTool.checkOutput(List.of("losetup", "--list", "--noheadings", "--output", "NAME,BACK-FILE"),
                    Duration.ofSeconds(30)).split("\n")) {
                String[] fields = line.trim().split("\\s+", 2);
                if (fields.length == 2 && fields[1].startsWith(prefix)) {
                    HostTool.run(List.of("losetup", "--detach", fields[0]), Duration.ofSeconds(30));
                }
            }
        }
        return found;
    }

    /**
     * Starts {@code up --workers 0 --no-coordinator} (the embedded broker alone) on {@code data} as child process
     * {@code broker}, creates the demo master there, and returns the broker's client settings.
     */
    static KafkaSettings brokerWithDemoMaster(ChildProcesses clonefarm, Path data) throws Exception {
        clonefarm.start("broker", "up", "--workers", "0", "--no-coordinator", "--data", data.toString());
        clonefarm.awaitOutput("broker", "bootstrap.servers=", 120);
        java.util.regex.Matcher servers = java.util.regex.Pattern.compile("bootstrap\\.servers=(\\S+)")
                .matcher(clonefarm.out("broker"));
        if (!servers.find()) {
            throw new IllegalStateException("the broker announced no bootstrap.servers: " + clonefarm.out("broker"));
        }
        int master = clonefarm.run("master", 120, "master", "create-demo", "--data", data.toString());
        if (master != 0) {
            throw new IllegalStateException("master create-demo exited with " + master + ": " + clonefarm.err("master"));
        }
        return KafkaSettings.of(servers.group(1));
    }

    /**
     * What the farm's worker guest still has linked, as {@code clonefarm zvm vmcp --as CLONEWRK QUERY VIRTUAL
     * DASD} tells it (one line per device; none after a clean run).
     */
    static List<String> workerLinks(ChildProcesses clonefarm, Path data) throws IOException, InterruptedException {
        String name = "qvdasd-" + System.nanoTime();
        int exit = clonefarm.run(name, 60, "zvm", "vmcp", "--data", data.toString(), "--as", DemoMaster.WORKER,
                "QUERY", "VIRTUAL", "DASD");
        if (exit != 0) {
            throw new IllegalStateException("QUERY VIRTUAL DASD failed (" + exit + "): " + clonefarm.err(name));
        }
        return clonefarm.out(name).lines().filter(line -> !line.isBlank()).toList();
    }

    static FileRegion region(SimulationDataDirectory data, String userid, String vaddr) throws IOException {
        return data.resolve(Userid.of(userid), Vaddr.of(vaddr));
    }
}
