package org.clonefarm.platform.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.clonefarm.platform.allocation.ExtentAllocator;
import org.clonefarm.platform.allocation.ExtentControl;
import org.clonefarm.platform.directory.DirectoryValidator;
import org.clonefarm.platform.directory.NewUser;
import org.clonefarm.platform.directory.Prototype;
import org.clonefarm.platform.directory.UserDirectory;
import org.clonefarm.platform.geometry.DeviceType;
import org.clonefarm.platform.geometry.Model3390;
import org.clonefarm.platform.ids.Userid;
import org.clonefarm.platform.ids.Volser;
import org.clonefarm.platform.volume.Volume;

/**
 * The coordinator's directory work for one batch, timed: allocate and add N clones LIKE a prototype,
 * print, parse, validate. Run by {@code bench/directory}; prints {@code name=value} lines, absolute
 * medians in milliseconds and ratios against the baseline (parsing the same directory text).
 */
public final class DirectoryBench {

    private static final String BASE = """
            PROFILE LINDFLT
             IPL CMS
             MACHINE ESA 2
            USER LNXMSTR NOLOG 2G 4G G
             INCLUDE LINDFLT
             MDISK 0191 3390 1 50 MST001 MR
             MDISK 0203 3390 51 800 MST001 MR
            """;

    private static final String PROTOTYPE = """
            USER LINPROTO NOLOG 1G 2G G
             INCLUDE LINDFLT
             IPL 0200
             NICDEF 0600 TYPE QDIO LAN SYSTEM VSWLNX
             LINK LNXMSTR 0191 0191 RR
             LINK LNXMSTR 0203 0203 RR
             MDISK 0200 3390 AUTOG 1800 LINUX MR
             MDISK 0201 FB-512 V-DISK 524288 MR
             MDISK 0202 3390 AUTOG 600 LINUX MR
            """;

    private DirectoryBench() {
    }

    public static void main(String[] args) {
        int clones = args.length > 0 ? Integer.parseInt(args[0]) : 500;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 15;
        ExtentControl control = ExtentControl.empty().withVolume(new Volume(Volser.of("MST001"), DeviceType.DASD_3390, 3339), null);
        int volumes = (int) (clones * 2400L / (Model3390.MOD_54.cylinders() - 1)) + 1;
        for (int i = 0; i < volumes; i++) {
            control = control.withVolume(new Volume(Volser.of(String.format("LX%04d", i)), DeviceType.DASD_3390,
                    Model3390.MOD_54.cylinders()), "LINUX");
        }
        Prototype prototype = Prototype.of(UserDirectory.parse(PROTOTYPE, "PROTO").entries().get(0));
        List<NewUser> users = new ArrayList<>();
        for (int i = 1; i <= clones; i++) {
            users.add(new NewUser(Userid.of(String.format("LNX%05d", i)), "AUTOONLY"));
        }
        long[] allocate = new long[rounds];
        long[] print = new long[rounds];
        long[] parse = new long[rounds];
        long[] validate = new long[rounds];
        String text = null;
        for (int r = 0; r < rounds; r++) {
            UserDirectory directory = UserDirectory.parse(BASE, "USER.DIRECT");
            long t0 = System.nanoTime();
            new ExtentAllocator(control, directory).addLike(prototype, users);
            long t1 = System.nanoTime();
            text = directory.print();
            long t2 = System.nanoTime();
            UserDirectory reread = UserDirectory.parse(text, "USER.DIRECT");
            long t3 = System.nanoTime();
            int problems = new DirectoryValidator(control.volumes()).validate(reread).size();
            long t4 = System.nanoTime();
            if (problems != 0) {
                throw new IllegalStateException("the benchmark directory has " + problems + " problems");
            }
            allocate[r] = t1 - t0;
            print[r] = t2 - t1;
            parse[r] = t3 - t2;
            validate[r] = t4 - t3;
        }
        double baseline = median(parse);
        System.out.println("clones=" + clones);
        System.out.println("rounds=" + rounds);
        System.out.println("directory_bytes=" + text.length());
        System.out.printf(Locale.ROOT, "parse_ms=%.3f%n", baseline / 1e6);
        System.out.printf(Locale.ROOT, "validate_ms=%.3f%n", median(validate) / 1e6);
        System.out.printf(Locale.ROOT, "allocate_like_ms=%.3f%n", median(allocate) / 1e6);
        System.out.printf(Locale.ROOT, "print_ms=%.3f%n", median(print) / 1e6);
        System.out.printf(Locale.ROOT, "validate_vs_parse=%.2f%n", median(validate) / baseline);
        System.out.printf(Locale.ROOT, "allocate_like_vs_parse=%.2f%n", median(allocate) / baseline);
        System.out.printf(Locale.ROOT, "print_vs_parse=%.2f%n", median(print) / baseline);
    }

    private static double median(long[] values) {
        long[] sorted = values.clone();
        java.util.Arrays.sort(sorted);
        // drop the first rounds' JIT warm-up by taking the median of all rounds
        return sorted[sorted.length / 2];
    }
}
