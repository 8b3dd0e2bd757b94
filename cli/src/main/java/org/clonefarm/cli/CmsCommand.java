package org.clonefarm.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import org.clonefarm.platform.cms.CmsDiskFullException;
import org.clonefarm.platform.cms.CmsFile;
import org.clonefarm.platform.cms.CmsFileId;
import org.clonefarm.platform.cms.CmsFileNotFoundException;
import org.clonefarm.platform.cms.DiskLayout;
import org.clonefarm.platform.cms.EdfFileSystem;
import org.clonefarm.platform.cms.EdfFormatException;
import org.clonefarm.platform.cms.EdfVolume;
import org.clonefarm.platform.cms.RecordFormat;
import org.clonefarm.platform.io.BoundedFiles;
import org.clonefarm.platform.io.FileRegion;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code clonefarm cms}: format a CMS minidisk (EDF) and put, list, print and erase its files, as the
 * 191 disk that carries the clones' NAMES file. Text converts as the Linux cmsfs tools do in text
 * mode: local bytes are ISO-8859-1, disk bytes EBCDIC 1047, one line per record.
 */
@Command(name = "cms", mixinStandardHelpOptions = true,
        description = {
            "Format a CMS minidisk (EDF file system) and put, list, print and erase its files.",
            "",
            "IMAGE is an image file or block device, optionally with :OFFSET:LENGTH in bytes for a "
                    + "minidisk inside a volume image (e.g. volumes/VOL001.img:737280:3686400)."
        })
public final class CmsCommand implements Runnable {

    private static final DateTimeFormatter DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss");
    /**
     * The largest LOCALFILE {@code put} reads: 64 MiB, the NAMES or EXEC text of a 191 disk many times
     * over; it is held in memory as lines.
     */
    static final int MAX_LOCAL_FILE_BYTES = 64 * 1024 * 1024;

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    @Command(name = "format", mixinStandardHelpOptions = true,
            description = "Write an empty CMS file system on IMAGE (like CMS FORMAT); every file on it is lost.")
    void format(
            @Parameters(paramLabel = "IMAGE", description = "Image or device, optionally IMAGE:OFFSET:LENGTH.") String image,
            @Option(names = "--blocksize", required = true, paramLabel = "N",
                    description = "CMS block size in bytes: 512, 1024, 2048 or 4096.") int blockSize,
            @Option(names = "--fba", description = "FBA layout (FB-512 or V-DISK): label at byte 512. "
                    + "Without it: CKD (3390) layout, label in block 3.") boolean fba,
            @Option(names = "--label", required = true, paramLabel = "L",
                    description = "Volume label, 1 to 6 characters of A-Z 0-9 $ # @ + - : _ ,") String label) {
        FileRegion region = region(image);
        try (EdfFileSystem fs = EdfFileSystem.format(region, blockSize, fba ? DiskLayout.FBA : DiskLayout.CKD, label)) {
            EdfVolume volume = fs.volume();
            out().printf("Formatted %s: label %s, %s, %d blocks of %d bytes, %d in use.%n", region, volume.label(),
                    volume.layout(), volume.totalBlocks(), volume.blockSize(), volume.usedBlocks());
        } catch (IllegalArgumentException e) {
            throw UserError.usage("Cannot format " + image + ": " + e.getMessage() + ".");
        } catch (IOException e) {
            throw failure(image, e);
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = {"Write LOCALFILE to IMAGE as file FN FT A1, replacing a file of that name.",
                "",
                "Each line is a record (ISO-8859-1 to EBCDIC 1047). F records are padded with blanks to LRECL; "
                        + "an empty line in a V file becomes one blank, as CMS has no empty V records."})
    void put(
            @Parameters(index = "0", paramLabel = "IMAGE", description = "Image or device, optionally IMAGE:OFFSET:LENGTH.") String image,
            @Parameters(index = "1", paramLabel = "LOCALFILE", description = "The text file to copy.") Path localFile,
            @Parameters(index = "2", paramLabel = "FN", description = "CMS file name, 1 to 8 characters.") String name,
            @Parameters(index = "3", paramLabel = "FT", description = "CMS file type, 1 to 8 characters.") String type,
            @Option(names = "--recfm", paramLabel = "F|V", defaultValue = "V",
                    description = "Record format: F (fixed, padded to LRECL) or V (variable). Default: ${DEFAULT-VALUE}.") RecordFormat format,
            @Option(names = "--lrecl", paramLabel = "N", description = "F: the record length (default 80). "
                    + "V: the longest line allowed (default 65535).") Integer lrecl) {
        FileRegion region = region(image);
        CmsFileId id = fileId(name, type);
        int length = lrecl != null ? lrecl : format == RecordFormat.F ? 80 : 65535;
        if (length < 1 || length > 65535) {
            throw UserError.usage("--lrecl " + length + " is not 1 to 65535.");
        }
        List<String> lines = readLines(localFile);
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).length() > length) {
                throw new UserError("Line " + (i + 1) + " of " + localFile + " is " + lines.get(i).length()
                        + " characters, longer than the record length " + length + "; use a larger --lrecl.");
            }
            if (format == RecordFormat.V && lines.get(i).isEmpty()) {
                lines.set(i, " ");
            }
        }
        try (EdfFileSystem fs = EdfFileSystem.openForUpdate(region)) {
            fs.writeLines(id, format, length, lines);
            out().printf("Wrote %s %s (%s, %d records) to %s.%n", id.name(), id.type(), format, lines.size(), region);
        } catch (IllegalArgumentException e) {
            throw new UserError("Cannot write " + localFile + " as " + id.name() + " " + id.type() + ": "
                    + e.getMessage() + ".");
        } catch (IOException e) {
            throw failure(image, e);
        }
    }

    @Command(name = "ls", mixinStandardHelpOptions = true,
            description = "List the files on IMAGE: name, type, mode, format, LRECL, records, blocks, date and time.")
    void ls(@Parameters(paramLabel = "IMAGE", description = "Image or device, optionally IMAGE:OFFSET:LENGTH.") String image) {
        FileRegion region = region(image);
        try (EdfFileSystem fs = EdfFileSystem.open(region)) {
            EdfVolume volume = fs.volume();
            PrintWriter out = out();
            out.printf("Volume %s (%s, %d-byte blocks): %d of %d blocks in use%n", volume.label(), volume.layout(),
                    volume.blockSize(), volume.usedBlocks(), volume.totalBlocks());
            out.printf("%-8s %-8s %-2s %-6s %6s %10s %8s %s%n", "FILENAME", "FILETYPE", "FM", "FORMAT", "LRECL",
                    "RECORDS", "BLOCKS", "DATE");
            for (CmsFile file : fs.list()) {
                out.printf("%-8s %-8s %-2s %-6s %6d %10d %8d %s%n", file.id().name(), file.id().type(), file.id().mode(),
                        file.recordFormat(), file.lrecl(), file.records(), file.dataBlocks(),
                        file.lastWritten() == null ? "-" : DATE.format(file.lastWritten()));
            }
            out.flush();
        } catch (IOException e) {
            throw failure(image, e);
        }
    }

    @Command(name = "cat", mixinStandardHelpOptions = true,
            description = {"Print file FN FT of IMAGE, one line per record.",
                "",
                "Each record is followed by a newline, F records keep their trailing blanks, and text converts "
                        + "from EBCDIC 1047 to ISO-8859-1, as cmsfs-fuse prints it in text mode (-a). "
                        + "Names match in any case."})
    void cat(
            @Parameters(index = "0", paramLabel = "IMAGE", description = "Image or device, optionally IMAGE:OFFSET:LENGTH.") String image,
            @Parameters(index = "1", paramLabel = "FN", description = "CMS file name.") String name,
            @Parameters(index = "2", paramLabel = "FT", description = "CMS file type.") String type) {
        FileRegion region = region(image);
        CmsFileId id = fileId(name, type);
        try (EdfFileSystem fs = EdfFileSystem.open(region)) {
            List<String> lines = fs.readLines(id);
            PrintStream out = System.out;
            for (String line : lines) {
                out.write((line + "\n").getBytes(StandardCharsets.ISO_8859_1));
            }
            out.flush();
        } catch (IOException e) {
            throw failure(image, e);
        }
    }

    @Command(name = "rm", mixinStandardHelpOptions = true, description = "Erase file FN FT from IMAGE and free its blocks.")
    void rm(
            @Parameters(index = "0", paramLabel = "IMAGE", description = "Image or device, optionally IMAGE:OFFSET:LENGTH.") String image,
            @Parameters(index = "1", paramLabel = "FN", description = "CMS file name.") String name,
            @Parameters(index = "2", paramLabel = "FT", description = "CMS file type.") String type) {
        FileRegion region = region(image);
        CmsFileId id = fileId(name, type);
        try (EdfFileSystem fs = EdfFileSystem.openForUpdate(region)) {
            long freed = fs.erase(id);
            out().printf("Erased %s %s from %s (%d blocks freed%s).%n", id.name(), id.type(), region, freed,
                    freed == 0 ? "; a damaged file's blocks stay allocated" : "");
        } catch (IOException e) {
            throw failure(image, e);
        }
    }

    private PrintWriter out() {
        return spec.commandLine().getOut();
    }

    private static FileRegion region(String image) {
        try {
            return FileRegion.parse(image);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("IMAGE " + e.getMessage() + ".");
        }
    }

    private static CmsFileId fileId(String name, String type) {
        try {
            return CmsFileId.of(name, type);
        } catch (IllegalArgumentException e) {
            throw UserError.usage("Bad CMS file id: " + e.getMessage() + ".");
        }
    }

    private static List<String> readLines(Path localFile) {
        byte[] bytes;
        try {
            bytes = BoundedFiles.readAllBytes(localFile, MAX_LOCAL_FILE_BYTES, "Local file");
        } catch (NoSuchFileException e) {
            throw new UserError("Local file " + localFile + " does not exist.");
        } catch (BoundedFiles.FileTooLargeException e) {
            throw new UserError(e.getMessage() + "; put copies text files such as NAMES or EXEC files.", e);
        } catch (IOException e) {
            throw new UserError("Cannot read local file " + localFile + ": " + e.getMessage() + ".", e);
        }
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
        if (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1); // the newline that ends the last line starts no record
        }
        lines.replaceAll(line -> line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        return lines;
    }

    /** One sentence for what went wrong with IMAGE. */
    private static UserError failure(String image, IOException e) {
        if (e instanceof EdfFormatException) {
            return new UserError(image + " is not a usable CMS disk: " + e.getMessage() + ".", e);
        }
        if (e instanceof CmsFileNotFoundException || e instanceof CmsDiskFullException) {
            return new UserError(capitalize(e.getMessage()) + ".", e);
        }
        if (e instanceof NoSuchFileException) {
            return new UserError("Image " + e.getMessage() + " does not exist; create it first (e.g. truncate -s 4M IMAGE)"
                    + " or give the minidisk's volume image with :OFFSET:LENGTH.", e);
        }
        return new UserError("Cannot use " + image + ": " + e.getMessage() + ".", e);
    }

    private static String capitalize(String text) {
        return text.isEmpty() ? text : Character.toUpperCase(text.charAt(0)) + text.substring(1);
    }
}
