package org.clonefarm.cli.simulation;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Properties;
import org.clonefarm.agent.AgentUnits;
import org.clonefarm.cli.simulation.internal.Ext4Images;
import org.clonefarm.cli.simulation.internal.RegionDigest;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.DiskLayout;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.cms.RecordFormat;
import org.clonefarm.platform.directory.DirectoryEntry;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.Dasd3390;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.geometry.Model3390;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.io.DurableFiles;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.layout.CloneLayout;
import org.clonefarm.platform.layout.CloneLayout.Role;
import org.clonefarm.platform.simulation.SimulationDataDirectory;
import org.clonefarm.platform.volume.Volume;
import org.clonefarm.platform.io.FileTrees;

/**
 * The demo master of the local simulation: master LNXMSTR with real disks, the prototypes the
 * clones are made LIKE, the allocation group LNXPOOL and its volumes (layout in {@code docs/demo.md}).
 *
 * <ul>
 *   <li>Volume {@value #MASTER_VOLUME} (in no group) holds the master's minidisks: 0191 CMS
 *       (EDF, 4 KiB blocks) with PROFILE EXEC, 0200 root, 0202 /var and 0203 /usr as real ext4 file
 *       systems made with {@code mke2fs -d}; 0201 swap is a V-DISK. Their content and sizes are the
 *       {@link Kind}'s: a skeleton of files on a 3390-01, or a bootable Debian system ({@link BootableMaster})
 *       on a 3390-03. The skeleton's root can also hold N MiB of incompressible data under
 *       {@value #DATA_DIRECTORY} ({@link Layout}): its root then grows and the volume is the 3390 model that fits.</li>
 *   <li>Volumes {@value #POOL_VOLUME_1} and {@value #POOL_VOLUME_2} (3390-27 each, group
 *       {@value #GROUP}) take the clones' disks: 60,102 cylinders, 374 RW-root clones of 160 (fewer of a master
 *       with data: {@link Layout#rwClonesThatFit}).</li>
 *   <li>{@value #PROTOTYPE} (RW root: links 0191 and 0203, V-DISK 0201) and {@value #PROTOTYPE_RO}
 *       (RO root: links 0200 too). They hold no AUTOG: the disks a clone owns (0200 and 0202, or 0202)
 *       come from the spec's {@code copy} rules, as the coordinator's planner adds them (AUTOG of the
 *       master's size from the spec's group, {@value #GROUP}), so the directory always validates.</li>
 *   <li>{@code <data>/demo/master.properties} records the layout and the SHA-256 of the master's
 *       ext4 disks and of its PROFILE EXEC, so {@code clonefarm verify} can tell the master is unchanged.</li>
 * </ul>
 *
 * <p>Creation is idempotent: a master made before with the same layout and unchanged disks is left
 * as it is; a different master (other layout, changed disks, or not made here) is refused unless
 * forced. Not thread-safe; one creator per data directory.
 */
public final class DemoMaster {
    public static final String MASTER = "LNXMSTR";
    public static final String PROTOTYPE = "LNXPROTO";
    public static final String PROTOTYPE_RO = "LNXPROTR";
    /** The userid of the simulation's worker guests, which LINK the minidisks they copy. */
    public static final String WORKER = "CLONEWRK";
    public static final String GROUP = "LNXPOOL";
    public static final String MASTER_VOLUME = "LNXM01";
    public static final String POOL_VOLUME_1 = "LNXP01";
    public static final String POOL_VOLUME_2 = "LNXP02";
    public static final CmsFileId PROFILE_EXEC = CmsFileId.of("PROFILE", "EXEC");
    /** The master's own identity in its image. */
    public static final String MASTER_HOSTNAME = "lnxmstr";
    public static final String MASTER_ADDRESS = "10.1.0.10";
    public static final String DOMAIN = "demo.clonefarm.test";

    /** The demo network's gateway, in every clone's NAMES entry (the demo's spec) and the master's own routes. */
    public static final String GATEWAY = "10.1.0.1";
    /**
     * Where the bootable master's agent sends its events ({@code bootstrap.servers} of its agent.properties): an
     * address of the demo network at Kafka's usual port, which {@link QemuGuestRuntime} forwards to the farm's
     * broker (not the gateway itself: QEMU's user network maps its host address, the gateway, to this host's
     * loopback at the same port, and forwards no other port of it).
     */
    public static final String GUEST_BROKER = "10.1.0.9:9092";

    /** Bump when the layout below changes: a master of another layout is "different". */
    static final int LAYOUT_VERSION = 2;

    /**
     * What kind of system the master's disks hold; recorded in {@code master.properties} ({@code kind}).
     */
    public enum Kind {
        /**
         * A SLES 15 skeleton made with {@code mke2fs -d} (a few files, the agent and its units): enough for the
         * loop-mount runtime, which runs the agent as a host process; it has no kernel and cannot boot.
         */
        SKELETON("skeleton", "3390-01", List.of(new MasterDisk(Role.CONFIG, 1, 10, "MST191"),
                new MasterDisk(Role.ROOT, 11, 120, "root"), new MasterDisk(Role.VAR, 131, 40, "var"),
                new MasterDisk(Role.USR, 171, 60, "usr"))),
        /**
         * A Debian 12 system built by mmdebstrap ({@link BootableMaster}): kernel, systemd, the agent; boots under
         * {@link QemuGuestRuntime}. Root 0200 80 cyl (59 MB; 30 MB used), /var 0202 60 cyl (44 MB; 10 MB used),
         * /usr 0203 1,300 cyl (958 MB; 780 MB used), on a 3390-03.
         */
        BOOTABLE("bootable", "3390-03", List.of(new MasterDisk(Role.CONFIG, 1, 10, "MST191"),
                new MasterDisk(Role.ROOT, 11, 80, "root"), new MasterDisk(Role.VAR, 91, 60, "var"),
                new MasterDisk(Role.USR, 151, 1300, "usr")));

        private final String word;
        private final String volumeModel;
        private final List<MasterDisk> disks;

        Kind(String word, String volumeModel, List<MasterDisk> disks) {
            this.word = word;
            this.volumeModel = volumeModel;
            this.disks = disks;
        }

        /** Its name in {@code master.properties}. */
        public String word() {
            return word;
        }

        /** The 3390 model of the master's volume {@value DemoMaster#MASTER_VOLUME}. */
        public String volumeModel() {
            return volumeModel;
        }

        /** The master's minidisks on its volume. */
        public List<MasterDisk> disks() {
            return disks;
        }

        /** The master's disk of this role (config, root, var or usr). */
        public MasterDisk disk(Role role) {
            return disks.stream().filter(d -> d.role() == role).findFirst().orElseThrow();
        }

        static Kind of(String word) {
            for (Kind kind : values()) {
                if (kind.word.equals(word)) {
                    return kind;
                }
            }
            throw new IllegalArgumentException("unknown master kind '" + word + "' (skeleton or bootable)");
        }
    }

    /**
     * The shape of a demo master: its {@link Kind} and the MiB of incompressible data its root holds under
     * {@value #DATA_DIRECTORY} ({@code master create-demo --master-data-mib}); recorded in {@code master.properties}
     * ({@code kind}, {@code data-mib}). From it follow the master's minidisks and the 3390 model of its volume.
     * With no data both are the kind's own, byte for byte; with data the root grows by {@link #dataCylinders} and the
     * disks after it move up by as much, on the smallest 3390 model that holds them all. Immutable.
     */
    public record Layout(Kind kind, long dataMib) {
        /** The skeleton master without data: what the demo makes by default. */
        public static final Layout SKELETON = new Layout(Kind.SKELETON, 0);

        public Layout {
            Objects.requireNonNull(kind, "kind");
            if (dataMib < 0) {
                throw new IllegalArgumentException("the master's data must be 0 MiB or more, not " + dataMib);
            }
            if (dataMib > 0 && kind != Kind.SKELETON) {
                throw new IllegalArgumentException("only the skeleton master holds data (--master-data-mib), not the "
                        + kind.word() + " one");
            }
        }

        /** The layout of a kind of master without data. */
        public static Layout of(Kind kind) {
            return new Layout(kind, 0);
        }

        /**
         * The cylinders the root gains to hold {@code dataMib} MiB of files, an upper bound rather than a fit: the data
         * itself, a sixteenth more for inode tables and extent blocks (mke2fs's densest inode ratio, one 256-byte
         * inode per 4 KiB, where its default is one per 16 KiB), and 64 MiB for the larger journal mke2fs gives a file
         * system of up to 16 GiB (above, the sixteenth's unused part covers it). The room left over is free space,
         * zeros, that neither the copy engine nor {@code cp --sparse} writes.
         */
        public static long dataCylinders(long dataMib) {
            if (dataMib == 0) {
                return 0;
            }
            long bytes = Math.addExact(Math.multiplyExact(dataMib, 1L << 20) / 16 * 17, 64L << 20);
            return (bytes + Dasd3390.BYTES_PER_CYLINDER - 1) / Dasd3390.BYTES_PER_CYLINDER;
        }

        /** The master's minidisks on its volume, in order of their first cylinder. */
        public List<MasterDisk> disks() {
            long grow = dataCylinders(dataMib);
            if (grow == 0) {
                return kind.disks();
            }
            MasterDisk root = kind.disk(Role.ROOT);
            return kind.disks().stream().map(d -> d.role() == Role.ROOT
                    ? new MasterDisk(d.role(), d.startCylinder(), d.cylinders() + grow, d.label())
                    : d.startCylinder() > root.startCylinder()
                            ? new MasterDisk(d.role(), d.startCylinder() + grow, d.cylinders(), d.label()) : d).toList();
        }

        /** The master's disk of this role (config, root, var or usr). */
        public MasterDisk disk(Role role) {
            return disks().stream().filter(d -> d.role() == role).findFirst().orElseThrow();
        }

        /** The cylinders the master's disks reach up to on its volume (cylinder 0 holds the volume label). */
        public long cylindersUsed() {
            return disks().stream().mapToLong(d -> d.startCylinder() + d.cylinders()).max().orElseThrow();
        }

        /**
         * The 3390 model of the master's volume {@value DemoMaster#MASTER_VOLUME}: the kind's, or the smallest larger
         * one that holds the disks.
         *
         * @throws DemoMasterException when no 3390 model holds them
         */
        public Model3390 volumeModel() {
            Model3390 own = Model3390.byName(kind.volumeModel()).orElseThrow();
            return java.util.Arrays.stream(Model3390.values())
                    .filter(m -> m.cylinders() >= own.cylinders() && m.cylinders() >= cylindersUsed())
                    .min(java.util.Comparator.comparingLong(Model3390::cylinders))
                    .orElseThrow(() -> new DemoMasterException("a master with " + dataMib + " MiB of data needs "
                            + cylindersUsed() + " cylinders, more than the largest 3390 (" + Model3390.MOD_64K.label()
                            + ", " + Model3390.MOD_64K.cylinders() + "); give a smaller --master-data-mib"));
        }

        /** The cylinders of the disks an RW-root clone owns (root and /var), as the copy rules allocate them. */
        public long rwCloneCylinders() {
            return disk(Role.ROOT).cylinders() + disk(Role.VAR).cylinders();
        }

        /** How many RW-root clones the group's two pool volumes hold (a minidisk lies on one volume). */
        public long rwClonesThatFit() {
            long perVolume = POOL_MODEL.cylinders() / rwCloneCylinders();
            return 2 * perVolume;
        }

        /** How it reads in a message: "the skeleton master", "the skeleton master with 1024 MiB of data". */
        public String describe() {
            return "the " + kind.word() + " master" + (dataMib == 0 ? "" : " with " + dataMib + " MiB of data");
        }
    }

    /** One of the master's minidisks on its volume: role (and so vaddr), first cylinder, cylinders, file system label. */
    public record MasterDisk(Role role, long startCylinder, long cylinders, String label) {
        /** Its vaddr, the role's conventional one. */
        public Vaddr vaddr() {
            return role.vaddr();
        }

        /** Its bytes in the volume image. */
        public FileRegion region(SimulationDataDirectory data) {
            return new FileRegion(data.volumeImage(Volser.of(MASTER_VOLUME)), DeviceType.DASD_3390.toBytes(startCylinder),
                    DeviceType.DASD_3390.toBytes(cylinders));
        }
    }

    /**
     * The disks of the skeleton master ({@link Kind#SKELETON}; {@link CloneLayout.Role}) at their conventional vaddrs:
     * 0191 CMS; 0200 root 120 cyl (86 MB); 0202 /var 40 cyl; 0203 /usr 60 cyl. 0201 swap is a V-DISK.
     */
    public static final List<MasterDisk> DISKS = Kind.SKELETON.disks();
    /** The disks whose bytes must never change (0191 changes: the coordinator writes NAMES files there). */
    public static final List<Vaddr> IMMUTABLE = List.of(Role.ROOT.vaddr(), Role.VAR.vaddr(), Role.USR.vaddr());
    /** Swap: a V-DISK of 256 MiB. */
    public static final long SWAP_BLOCKS = 524_288;

    /** The 3390 model of the pool volumes {@value #POOL_VOLUME_1} and {@value #POOL_VOLUME_2}. */
    public static final Model3390 POOL_MODEL = Model3390.MOD_27;
    /**
     * Where in the master's root its data lies ({@code --master-data-mib}): {@code /srv}, the FHS's place for the data a
     * system serves, which is on the root file system (not /var, a disk of its own, nor /usr, linked read-only), so
     * every RW-root clone copies it with its root.
     */
    public static final String DATA_DIRECTORY = "srv/data";
    /** The data's files: {@code data-000.bin} and up, {@value #DATA_FILE_MIB} MiB each (the last may be shorter). */
    static final int DATA_FILE_MIB = 64;

    private static final String NIC = " NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX\n";

    /** The directory entries of master and prototypes, as USER DIRECT text. */
    static String directoryText(Layout layout) {
        StringBuilder master = new StringBuilder("USER " + MASTER + " DEMOPW 1G 2G G\n IPL CMS PARM AUTOCR\n MACHINE ESA 2\n" + NIC);
        for (MasterDisk disk : layout.disks()) {
            master.append(" MDISK ").append(disk.vaddr()).append(" 3390 ").append(disk.startCylinder()).append(' ')
                    .append(disk.cylinders()).append(' ').append(MASTER_VOLUME).append(" MR\n");
        }
        String swap = " MDISK " + Role.SWAP.vaddr() + " FB-512 V-DISK " + SWAP_BLOCKS + " MR\n";
        master.append(swap);
        // the prototypes hold what every clone has; the minidisks a clone owns come from the spec's copy
        // rules (AUTOG of the master's sizes in the spec's group), so the directory never holds an AUTOG
        String rw = "USER " + PROTOTYPE + " NOLOG 1G 2G G\n IPL CMS PARM AUTOCR\n MACHINE ESA 2\n" + NIC
                + link(Role.CONFIG) + link(Role.USR) + swap;
        String ro = "USER " + PROTOTYPE_RO + " NOLOG 1G 2G G\n IPL CMS PARM AUTOCR\n MACHINE ESA 2\n" + NIC
                + link(Role.CONFIG) + link(Role.ROOT) + link(Role.USR) + swap;
        // the farm's copy workers run as this guest: privilege class B (FLASHCOPY), LINK without passwords,
        // and no minidisks of its own, so QUERY VIRTUAL DASD lists exactly what it has linked
        String worker = "USER " + WORKER + " NOLOG 512M 1G BG\n OPTION LNKNOPAS\n MACHINE ESA 2\n";
        return master + rw + ro + worker;
    }

    /** A prototype's read-only LINK to the master's disk of this role, at the same vaddr. */
    private static String link(Role role) {
        return " LINK " + MASTER + " " + role.vaddr() + " " + role.vaddr() + " RR\n";
    }

    /** The skeleton master's disk at this vaddr. */
    public static MasterDisk disk(Vaddr vaddr) {
        return DISKS.stream().filter(d -> d.vaddr().equals(vaddr)).findFirst().orElseThrow();
    }

    /** The skeleton master's disk of this role (config, root, var or usr); {@link #disk(SimulationDataDirectory, Role)} for the recorded one. */
    public static MasterDisk disk(Role role) {
        return disk(role.vaddr());
    }

    /** The disk of this role of the master recorded in {@code data} (the skeleton's where none is recorded). */
    public static MasterDisk disk(SimulationDataDirectory data, Role role) throws IOException {
        return Manifest.read(data).map(Manifest::layout).orElse(Layout.SKELETON).disk(role);
    }

    /** What create found or did. */
    public record Result(boolean alreadyThere, Manifest manifest) {
    }

    /** What {@code <data>/demo/master.properties} records. */
    public record Manifest(int layoutVersion, Layout layout, Instant created, Map<Vaddr, String> diskDigests, String profileExecDigest) {
        static final String FILE = "demo/master.properties";

        /** The master's kind. */
        public Kind kind() {
            return layout.kind();
        }

        public static Optional<Manifest> read(SimulationDataDirectory data) throws IOException {
            Path file = data.root().resolve(FILE);
            if (!Files.exists(file)) {
                return Optional.empty();
            }
            Properties properties = new Properties();
            try (var reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                properties.load(reader);
            }
            try {
                Map<Vaddr, String> digests = new LinkedHashMap<>();
                for (Vaddr vaddr : IMMUTABLE) {
                    digests.put(vaddr, require(properties, "disk." + vaddr + ".sha256", file));
                }
                // a record without a kind was made before the bootable master existed: a skeleton
                // nor data-mib: made before the master could hold data, so it holds none
                return Optional.of(new Manifest(Integer.parseInt(require(properties, "layout", file)),
                        new Layout(Kind.of(properties.getProperty("kind", Kind.SKELETON.word())),
                                Long.parseLong(properties.getProperty("data-mib", "0"))),
                        Instant.parse(require(properties, "created", file)), digests,
                        require(properties, "profile-exec.sha256", file)));
            } catch (RuntimeException e) {
                throw new IOException(file + " is damaged: " + e.getMessage(), e);
            }
        }

        private static String require(Properties properties, String key, Path file) {
            String value = properties.getProperty(key);
            if (value == null) {
                throw new IllegalArgumentException("no key " + key + " in " + file);
            }
            return value;
        }

        void write(SimulationDataDirectory data) throws IOException {
            StringBuilder text = new StringBuilder("# the demo master as clonefarm master create-demo made it;"
                    + " clonefarm verify compares the master against it\n");
            text.append("layout=").append(layoutVersion).append('\n');
            text.append("kind=").append(layout.kind().word()).append('\n');
            text.append("data-mib=").append(layout.dataMib()).append('\n');
            text.append("created=").append(created).append('\n');
            text.append("master=").append(MASTER).append('\n');
            diskDigests.forEach((vaddr, digest) -> text.append("disk.").append(vaddr).append(".sha256=").append(digest).append('\n'));
            text.append("profile-exec.sha256=").append(profileExecDigest).append('\n');
            DurableFiles.replace(data.root().resolve(FILE), text.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private final SimulationDataDirectory data;
    private final Path agentJar;
    private final Kind kind;
    private final Layout layout;
    private final BootableMaster bootable;

    /**
     * The skeleton master ({@link Kind#SKELETON}).
     *
     * @param data the local simulation's data directory
     * @param agentJar the guest agent's jar ({@code clonefarm-agent.jar}) to put into the master's root
     */
    public DemoMaster(SimulationDataDirectory data, Path agentJar) {
        this(data, agentJar, null);
    }

    /**
     * The bootable master ({@link Kind#BOOTABLE}) when {@code bootable} is given, else the skeleton.
     *
     * @param bootable where its Debian system comes from (built once, then cached)
     */
    public DemoMaster(SimulationDataDirectory data, Path agentJar, BootableMaster bootable) {
        this(data, agentJar, bootable, 0);
    }

    /**
     * The bootable master when {@code bootable} is given, else the skeleton whose root holds {@code dataMib} MiB of
     * incompressible data under {@value #DATA_DIRECTORY}.
     *
     * @throws IllegalArgumentException when {@code dataMib} is negative, or positive for the bootable master
     */
    public DemoMaster(SimulationDataDirectory data, Path agentJar, BootableMaster bootable, long dataMib) {
        this.data = Objects.requireNonNull(data, "data");
        this.agentJar = Objects.requireNonNull(agentJar, "agentJar");
        this.bootable = bootable;
        this.kind = bootable == null ? Kind.SKELETON : Kind.BOOTABLE;
        this.layout = new Layout(kind, dataMib);
    }

    /**
     * Creates the demo master, or leaves an identical one in place.
     *
     * @param force replace a master that differs from the demo master (its entries and disks; the pool
     *     volumes and other users stay)
     * @throws DemoMasterException when a different master exists and {@code force} is false, or a
     *     volume of the layout exists with another size
     */
    public Result create(boolean force) throws IOException {
        if (!Files.isRegularFile(agentJar)) {
            throw new DemoMasterException("the guest agent jar " + agentJar + " does not exist; build it with"
                    + " './mvnw -B -q package -DskipTests -pl guest-agent -am' or give --agent-jar");
        }
        Optional<String> difference = difference();
        if (difference.isEmpty()) {
            return new Result(true, Manifest.read(data).orElseThrow());
        }
        boolean anyMaster = data.readDirectory().entry(Userid.of(MASTER)).isPresent()
                || Files.exists(data.volumeImage(Volser.of(MASTER_VOLUME)));
        if (anyMaster && !force) {
            throw new DemoMasterException(data.root() + " already holds a master " + MASTER + " that is not the demo"
                    + " master (" + difference.get() + "); give --force to make it anew, or use another --data");
        }
        ensureVolume(MASTER_VOLUME, layout.volumeModel().cylinders(), null);
        ensureVolume(POOL_VOLUME_1, POOL_MODEL.cylinders(), GROUP);
        ensureVolume(POOL_VOLUME_2, POOL_MODEL.cylinders(), GROUP);
        writeDirectory();
        Path scratch = data.root().resolve("tmp");
        Path skeletons = Files.createDirectories(scratch).resolve("demo-skeleton-" + ProcessHandle.current().pid());
        try {
            formatConfigDisk();
            if (kind == Kind.BOOTABLE) {
                BootableMaster.Trees trees = bootable.system();
                Path root = bootable.masterRoot(trees, skeletons.resolve("root"));
                installAgent(root);
                Ext4Images.make(layout.disk(Role.ROOT).region(data), root, "root", scratch);
                Ext4Images.make(layout.disk(Role.VAR).region(data), trees.var(), "var", scratch);
                Ext4Images.make(layout.disk(Role.USR).region(data), trees.usr(), "usr", scratch);
            } else {
                Path root = rootTree(skeletons.resolve("root"));
                writeData(root.resolve(DATA_DIRECTORY), layout.dataMib());
                Ext4Images.make(layout.disk(Role.ROOT).region(data), root, "root", scratch);
                Ext4Images.make(layout.disk(Role.VAR).region(data), varTree(skeletons.resolve("var")), "var", scratch);
                Ext4Images.make(layout.disk(Role.USR).region(data), usrTree(skeletons.resolve("usr")), "usr", scratch);
            }
        } finally {
            FileTrees.deleteTree(skeletons);
        }
        Manifest manifest = new Manifest(LAYOUT_VERSION, layout, Instant.now(), currentDigests(data, layout), profileExecDigest(data));
        manifest.write(data);
        return new Result(false, manifest);
    }

    /** Why the data directory does not hold this demo master as made, or empty when it does. */
    private Optional<String> difference() throws IOException {
        Optional<Manifest> manifest;
        try {
            manifest = Manifest.read(data);
        } catch (IOException e) {
            return Optional.of(e.getMessage());
        }
        if (manifest.isEmpty()) {
            return Optional.of("it has no record " + data.root().resolve(Manifest.FILE));
        }
        if (manifest.get().layoutVersion() != LAYOUT_VERSION) {
            return Optional.of("its layout is version " + manifest.get().layoutVersion() + ", this clonefarm makes " + LAYOUT_VERSION);
        }
        if (manifest.get().kind() != kind) {
            return Optional.of("it is the " + manifest.get().kind().word() + " master, not the " + kind.word() + " one");
        }
        if (manifest.get().layout().dataMib() != layout.dataMib()) {
            return Optional.of("its root holds " + manifest.get().layout().dataMib() + " MiB of data (--master-data-mib), not "
                    + layout.dataMib());
        }
        UserDirectory directory = data.readDirectory();
        UserDirectory wanted = UserDirectory.parse(directoryText(layout), "demo master");
        for (DirectoryEntry entry : wanted.entries()) {
            Optional<DirectoryEntry> existing = directory.entry(entry.name());
            if (existing.isEmpty() || !existing.get().body().equals(entry.body())) {
                return Optional.of("its directory entry " + entry.name() + " is " + (existing.isEmpty() ? "missing" : "different"));
            }
        }
        try {
            Map<Vaddr, String> now = currentDigests(data, layout);
            for (Vaddr vaddr : IMMUTABLE) {
                if (!now.get(vaddr).equals(manifest.get().diskDigests().get(vaddr))) {
                    return Optional.of("its disk " + vaddr + " changed since it was made");
                }
            }
            if (!profileExecDigest(data).equals(manifest.get().profileExecDigest())) {
                return Optional.of("its PROFILE EXEC changed");
            }
        } catch (IOException e) {
            return Optional.of("its disks cannot be read: " + e.getMessage());
        }
        return Optional.empty();
    }

    /**
     * Records the master's disks as they are now, after clonefarm changed them on purpose
     * ({@code master prepare apply} or {@code undo}), so that {@code verify} and {@code create-demo} compare
     * against the master as it now is. Does nothing where no demo master was recorded.
     *
     * @return whether there was a record to update
     */
    public static boolean recordDisks(SimulationDataDirectory data) throws IOException {
        Optional<Manifest> manifest = Manifest.read(data);
        if (manifest.isEmpty()) {
            return false;
        }
        new Manifest(manifest.get().layoutVersion(), manifest.get().layout(), manifest.get().created(),
                currentDigests(data, manifest.get().layout()), profileExecDigest(data)).write(data);
        return true;
    }

    /** SHA-256 of the recorded master's disks that never change, as they are now. */
    public static Map<Vaddr, String> currentDigests(SimulationDataDirectory data) throws IOException {
        return currentDigests(data, Manifest.read(data).map(Manifest::layout).orElse(Layout.SKELETON));
    }

    /** SHA-256 of the disks that never change of a master of this layout, as they are now. */
    public static Map<Vaddr, String> currentDigests(SimulationDataDirectory data, Layout layout) throws IOException {
        Map<Vaddr, String> digests = new LinkedHashMap<>();
        for (Vaddr vaddr : IMMUTABLE) {
            digests.put(vaddr, RegionDigest.sha256(layout.disk(Role.at(vaddr).orElseThrow()).region(data)));
        }
        return digests;
    }

    /** SHA-256 of the PROFILE EXEC records on the master's 0191 (the disk itself changes with every NAMES file). */
    public static String profileExecDigest(SimulationDataDirectory data) throws IOException {
        try (EdfFileSystem disk = EdfFileSystem.open(disk(data, Role.CONFIG).region(data))) {
            java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
            for (byte[] record : disk.readRecords(PROFILE_EXEC)) {
                digest.update(record);
                digest.update((byte) 0x15);
            }
            return java.util.HexFormat.of().formatHex(digest.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    private void ensureVolume(String volser, long cylinders, String group) throws IOException {
        Volume existing = data.volumes().get(Volser.of(volser));
        if (existing == null) {
            data.createVolume(Volser.of(volser), DeviceType.DASD_3390, cylinders, group);
            return;
        }
        if (existing.deviceType() != DeviceType.DASD_3390 || existing.size() != cylinders) {
            throw new DemoMasterException("volume " + volser + " in " + data.root() + " is " + existing + ", the demo needs a 3390 of "
                    + cylinders + " cylinders; use another --data");
        }
        if (group != null) {
            var control = data.readExtentControl();
            boolean inGroup = control.groups().containsKey(group) && control.groups().get(group).regionIds().contains(volser);
            if (!inGroup) {
                throw new DemoMasterException("volume " + volser + " in " + data.root() + " is not in group " + group
                        + "; use another --data");
            }
        }
    }

    private void writeDirectory() throws IOException {
        UserDirectory directory = data.readDirectory();
        UserDirectory wanted = UserDirectory.parse(directoryText(layout), "demo master");
        for (DirectoryEntry entry : wanted.entries()) {
            directory.remove(entry.name());
            directory.add(entry);
        }
        data.writeDirectory(directory);
    }

    private void formatConfigDisk() throws IOException {
        try (EdfFileSystem disk = EdfFileSystem.format(layout.disk(Role.CONFIG).region(data), 4096, DiskLayout.CKD, "MST191")) {
            disk.writeLines(PROFILE_EXEC, RecordFormat.F, 80, List.of(
                    "/* PROFILE EXEC of " + MASTER + " and its clones (clonefarm demo)   */",
                    "/* Every clone links this 191 disk read-only. Its guest agent     */",
                    "/* reads the clone's entry of " + CloneLayout.NAMES_FILE.nameAndType()
                            + " here on the first boot. */",
                    "'CP SET RUN ON'",
                    "'CP TERM MORE 0 0'",
                    "'CP IPL " + Role.ROOT.vaddr() + " CLEAR'"));
        }
    }

    private Path rootTree(Path root) throws IOException {
        for (String dir : List.of("var", "usr", "proc", "sys", "dev", "run", "tmp", "home", "root", "boot")) {
            Files.createDirectories(root.resolve(dir));
        }
        write(root, "etc/os-release", """
                NAME="SLES"
                VERSION="15-SP5"
                VERSION_ID="15.5"
                PRETTY_NAME="SUSE Linux Enterprise Server 15 SP5"
                ID="sles"
                ID_LIKE="suse"
                CPE_NAME="cpe:/o:suse:sles:15:sp5"
                """);
        write(root, "etc/hostname", MASTER_HOSTNAME + "\n");
        write(root, "etc/hosts", "127.0.0.1\tlocalhost\n::1\tlocalhost ipv6-localhost ipv6-loopback\n"
                + MASTER_ADDRESS + "\t" + MASTER_HOSTNAME + "." + DOMAIN + " " + MASTER_HOSTNAME + "\n");
        write(root, "etc/resolv.conf", "search " + DOMAIN + "\nnameserver 10.1.0.2\n");
        write(root, "etc/sysconfig/network/ifcfg-enc600", "BOOTPROTO='static'\nSTARTMODE='auto'\nIPADDR='"
                + MASTER_ADDRESS + "/24'\n");
        write(root, "etc/sysconfig/network/routes", "default 10.1.0.1 - -\n");
        write(root, "etc/machine-id", "4c0f1c2d3e4f5a6b7c8d9e0fa1b2c3d4\n");
        write(root, "etc/fstab", byPath(Role.ROOT) + " /    ext4 defaults    1 1\n"
                + byPath(Role.VAR) + " /var ext4 defaults    1 2\n"
                + byPath(Role.USR) + " /usr ext4 ro          1 2\n"
                + byPath(Role.SWAP) + " swap swap defaults    0 0\n");
        for (String key : List.of("rsa", "ecdsa", "ed25519")) {
            write(root, "etc/ssh/ssh_host_" + key + "_key", "-----BEGIN OPENSSH PRIVATE KEY-----\n"
                    + "demo master " + key + " host key of " + MASTER + ": not a real key\n-----END OPENSSH PRIVATE KEY-----\n");
            Files.setPosixFilePermissions(root.resolve("etc/ssh/ssh_host_" + key + "_key"), PosixFilePermissions.fromString("rw-------"));
            write(root, "etc/ssh/ssh_host_" + key + "_key.pub", "ssh-" + key + " AAAAdemo" + key + " root@" + MASTER_HOSTNAME + "\n");
        }
        write(root, "etc/motd", "clonefarm demo master " + MASTER + " (SLES 15 SP5 skeleton)\n");
        installAgent(root);
        return root;
    }

    /**
     * {@code mib} MiB of incompressible bytes in files of {@value #DATA_FILE_MIB} MiB under {@code dir}: a pseudo-random
     * stream with a fixed seed per file, so that the same size gives the same bytes (on every machine), which no
     * compressor, deduplication or zero detection can shorten. Nothing is written for 0.
     */
    static void writeData(Path dir, long mib) throws IOException {
        if (mib == 0) {
            return;
        }
        Files.createDirectories(dir);
        byte[] block = new byte[1 << 20];
        java.nio.ByteBuffer longs = java.nio.ByteBuffer.wrap(block);
        for (int file = 0; (long) file * DATA_FILE_MIB < mib; file++) {
            long fileMib = Math.min(DATA_FILE_MIB, mib - (long) file * DATA_FILE_MIB);
            java.util.SplittableRandom random = new java.util.SplittableRandom(0x636c6f6e65L + file);
            try (var out = Files.newOutputStream(dir.resolve(String.format("data-%03d.bin", file)))) {
                for (long m = 0; m < fileMib; m++) {
                    longs.clear();
                    while (longs.hasRemaining()) {
                        longs.putLong(random.nextLong());
                    }
                    out.write(block);
                }
            }
        }
    }

    /** The agent's units, configuration, marker ({@link AgentUnits#installInto}) and jar. */
    private void installAgent(Path root) throws IOException {
        AgentUnits.installInto(root);
        Path jar = CloneLayout.inRoot(root, CloneLayout.AGENT_JAR);
        Files.createDirectories(jar.getParent());
        Files.copy(agentJar, jar, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The Linux device of a disk of this role, as an fstab names it. */
    private static String byPath(Role role) {
        return "/dev/disk/by-path/ccw-" + role.vaddr().ccwBusId();
    }

    private static Path varTree(Path var) throws IOException {
        for (String dir : List.of("lib/clonefarm", "log", "tmp", "local/etc", "cache", "spool")) {
            Files.createDirectories(var.resolve(dir));
        }
        write(var, "log/boot.log", "clonefarm demo master " + MASTER + ": /var\n");
        return var;
    }

    private static Path usrTree(Path usr) throws IOException {
        for (String dir : List.of("bin", "sbin", "lib", "local/bin")) {
            Files.createDirectories(usr.resolve(dir));
        }
        write(usr, "share/doc/clonefarm-demo/README", "The /usr of the clonefarm demo master " + MASTER
                + ", linked read-only by every clone (" + Role.USR.vaddr() + ").\n");
        return usr;
    }

    private static void write(Path root, String relative, String text) throws IOException {
        Path file = root.resolve(relative);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text, StandardCharsets.UTF_8);
    }

    /**
     * The agent jar to install: {@code given} if not null; else {@code clonefarm-agent.jar} next to the
     * running jar, or in the reactor's {@code guest-agent/target} beside it.
     */
    public static Optional<Path> locateAgentJar(Path given) {
        if (given != null) {
            return Optional.of(given);
        }
        String property = System.getProperty("clonefarm.agent.jar", System.getenv("CLONEFARM_AGENT_JAR"));
        if (property != null && !property.isBlank()) {
            return Optional.of(Path.of(property));
        }
        try {
            Path self = Path.of(DemoMaster.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path dir = Files.isDirectory(self) ? self : self.getParent();
            for (Path candidate : List.of(dir.resolve("clonefarm-agent.jar"),
                    dir.resolve("../../guest-agent/target/clonefarm-agent.jar").normalize())) {
                if (Files.isRegularFile(candidate)) {
                    return Optional.of(candidate);
                }
            }
        } catch (java.net.URISyntaxException | RuntimeException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /** The demo master cannot be made here as asked; the message says why and what to do. */
    public static final class DemoMasterException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public DemoMasterException(String message) {
            super(message);
        }
    }
}
