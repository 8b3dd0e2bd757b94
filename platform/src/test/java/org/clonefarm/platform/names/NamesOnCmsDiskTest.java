package org.clonefarm.platform.names;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.clonefarm.platform.cms.CmsFile;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.DiskLayout;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.cms.RecordFormat;
import org.clonefarm.platform.io.FileRegion;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The coordinator's NAMES file of 500 clones goes onto a 191 disk and each clone reads its own entry back. */
@Timeout(60)
class NamesOnCmsDiskTest {

    private static final CmsFileId NAMES = CmsFileId.of("CLONES", "NAMES");

    @TempDir
    Path dir;

    /** 500 entries plus DEFAULTS, written F 80 or V, read back entry by entry with defaults applied. */
    @ParameterizedTest
    @EnumSource(RecordFormat.class)
    void fiveHundredEntriesReadBackEntryByEntry(RecordFormat format) throws IOException {
        // a 191 minidisk of 5 cylinders inside a volume image, 4 KiB blocks
        Path volume = dir.resolve("VOL001.img");
        try (RandomAccessFile file = new RandomAccessFile(volume.toFile(), "rw")) {
            file.setLength(20L << 20);
        }
        FileRegion minidisk = new FileRegion(volume, 737_280L, 5 * 737_280L);
        List<NamesEntry> entries = new ArrayList<>();
        entries.add(NamesEntry.of(NamesFile.DEFAULTS, Map.of("netmask", "255.255.255.0", "gateway", "10.1.1.1",
                "gateway6", "fd00:1::1")));
        for (int i = 1; i <= 500; i++) {
            String userid = String.format("LINUX%03d", i);
            Map<String, String> tags = new LinkedHashMap<>();
            tags.put("hostname", userid.toLowerCase() + ".example.com");
            tags.put("ipaddr", "10.1." + (i / 250 + 1) + "." + (i % 250 + 2));
            tags.put("ipaddr6", "fd00:1::" + Integer.toHexString(0x100 + i));
            if (i % 100 == 0) {
                tags.put("gateway", "10.1.1.254");
            }
            entries.add(NamesEntry.of(userid, tags));
        }
        try (EdfFileSystem disk = EdfFileSystem.format(minidisk, 4096, DiskLayout.CKD, "MST191")) {
            NamesFile.of(entries).write(disk, NAMES, format, NamesFile.DEFAULT_RECORD_LENGTH);
        }
        try (EdfFileSystem disk = EdfFileSystem.open(minidisk)) {
            CmsFile listed = disk.list().get(0);
            assertThat(listed.id()).isEqualTo(NAMES);
            assertThat(listed.recordFormat()).isEqualTo(format);
            assertThat(listed.records()).isGreaterThanOrEqualTo(501);
            NamesFile read = NamesFile.read(disk, CmsFileId.of("clones", "names"));
            assertThat(read.entries()).hasSize(501);
            for (int i = 1; i <= 500; i++) {
                String userid = String.format("LINUX%03d", i);
                NamesEntry entry = read.resolve(userid.toLowerCase()).orElseThrow();
                assertThat(entry.nick()).isEqualTo(userid);
                assertThat(entry.get("hostname")).contains(userid.toLowerCase() + ".example.com");
                assertThat(entry.get("ipaddr")).contains("10.1." + (i / 250 + 1) + "." + (i % 250 + 2));
                assertThat(entry.get("ipaddr6")).contains("fd00:1::" + Integer.toHexString(0x100 + i));
                assertThat(entry.get("netmask")).contains("255.255.255.0");
                assertThat(entry.get("gateway6")).contains("fd00:1::1");
                assertThat(entry.get("gateway")).contains(i % 100 == 0 ? "10.1.1.254" : "10.1.1.1");
            }
        }
    }
}
