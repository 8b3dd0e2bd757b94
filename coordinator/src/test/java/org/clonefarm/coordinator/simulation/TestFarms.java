package org.clonefarm.coordinator.simulation;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.clonefarm.platform.cms.DiskLayout;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.simulation.SimulationDataDirectory;

/** A small master and prototype in a local simulation data directory, for the coordinator's tests. */
public final class TestFarms {

    static final String DIRECTORY = """
            USER LNXMSTR XXXXXXXX 1G 2G G
             IPL 0191
             MACHINE ESA 2
             MDISK 0191 3390 1 5 MST001 MR
             MDISK 0200 3390 6 20 MST001 MR
             MDISK 0201 FB-512 V-DISK 524288 MR
             MDISK 0202 3390 26 10 MST001 MR
             MDISK 0203 3390 36 20 MST001 MR
            USER LNXPROTO NOLOG 1G 2G G
             IPL 0191
             MACHINE ESA 2
             NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX
            """;

    private TestFarms() {
    }

    /** Creates the master's volume, two pool volumes of {@code poolCylinders} each, the directory and a CMS 191. */
    public static SimulationDataDirectory smallMaster(Path root, long poolCylinders) throws IOException {
        SimulationDataDirectory data = SimulationDataDirectory.at(root);
        data.createVolume(new Volser("MST001"), DeviceType.DASD_3390, 100, "MASTER");
        data.createVolume(new Volser("LX0001"), DeviceType.DASD_3390, poolCylinders, "LNXPOOL");
        data.createVolume(new Volser("LX0002"), DeviceType.DASD_3390, poolCylinders, "LNXPOOL");
        Files.createDirectories(data.directoryFile().getParent());
        Files.writeString(data.directoryFile(), DIRECTORY);
        EdfFileSystem.format(data.resolve(new Userid("LNXMSTR"), new Vaddr("0191")), 4096, DiskLayout.CKD, "LNX191")
                .close();
        return data;
    }
}
