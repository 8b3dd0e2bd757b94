package org.clonefarm.platform.cp;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import org.clonefarm.platform.ids.Vaddr;
import org.clonefarm.platform.io.HostTool;

/**
 * The channel subsystem of a Linux guest on z/VM, through s390-tools and udev: {@code cio_ignore -r},
 * {@code chccwdev -e|-d}, {@code udevadm settle}, and a poll for {@code <by-path>/ccw-0.0.vdev}, as
 * ZVM-LINUX.md describes (Feilong and xCAT do the same, without the poll that udev lag made necessary).
 *
 * <p>Every tool runs directly (no shell) with {@link Settings#commandTimeout()}; a tool that does not
 * finish is killed and the step fails retryable. A non-zero exit is a {@link CcwException} naming the
 * command, its exit code and what it printed; chccwdev's "not found" (no such device: it was not linked)
 * is not retryable, other failures are (the device may be busy, udev slow).
 *
 * <p>Thread-safe: no state besides its settings; each call runs its own processes.
 */
public final class LinuxCcwBus implements CcwBus {

    /**
     * Where the tools are and how long they may take. Immutable.
     *
     * @param cioIgnore s390-tools' {@code cio_ignore}
     * @param chccwdev s390-tools' {@code chccwdev}
     * @param udevadm udev's {@code udevadm}
     * @param byPathDirectory where udev links block devices by path ({@code /dev/disk/by-path})
     * @param commandTimeout how long one tool may run before it is killed
     * @param pollInterval how often {@link #online} looks for the by-path link
     */
    public record Settings(Path cioIgnore, Path chccwdev, Path udevadm, Path byPathDirectory, Duration commandTimeout,
            Duration pollInterval) {
        public Settings {
            Objects.requireNonNull(cioIgnore, "cioIgnore");
            Objects.requireNonNull(chccwdev, "chccwdev");
            Objects.requireNonNull(udevadm, "udevadm");
            Objects.requireNonNull(byPathDirectory, "byPathDirectory");
            if (commandTimeout.isNegative() || commandTimeout.isZero()) {
                throw new IllegalArgumentException("commandTimeout must be positive, got " + commandTimeout);
            }
            if (pollInterval.isNegative() || pollInterval.isZero()) {
                throw new IllegalArgumentException("pollInterval must be positive, got " + pollInterval);
            }
        }

        /** {@code /sbin/cio_ignore}, {@code /sbin/chccwdev}, {@code /sbin/udevadm}, {@code /dev/disk/by-path}, 60 s, 100 ms. */
        public static Settings defaults() {
            return new Settings(Path.of("/sbin/cio_ignore"), Path.of("/sbin/chccwdev"), Path.of("/sbin/udevadm"),
                    Path.of("/dev/disk/by-path"), Duration.ofSeconds(60), Duration.ofMillis(100));
        }

        public Settings withTools(Path cioIgnore, Path chccwdev, Path udevadm) {
            return new Settings(cioIgnore, chccwdev, udevadm, byPathDirectory, commandTimeout, pollInterval);
        }

        public Settings withByPathDirectory(Path value) {
            return new Settings(cioIgnore, chccwdev, udevadm, value, commandTimeout, pollInterval);
        }

        public Settings withCommandTimeout(Duration value) {
            return new Settings(cioIgnore, chccwdev, udevadm, byPathDirectory, value, pollInterval);
        }
    }

    private final Settings settings;

    /** With {@link Settings#defaults()}. */
    public LinuxCcwBus() {
        this(Settings.defaults());
    }

    public LinuxCcwBus(Settings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public Settings settings() {
        return settings;
    }

    @Override
    public void unignore(Vaddr vdev) throws CcwException {
        run(vdev, "take off the ignore list", settings.cioIgnore(), "-r", CcwBus.busId(vdev));
    }

    @Override
    public Path online(Vaddr vdev, Duration timeout) throws CcwException {
        long deadline = System.nanoTime() + timeout.toNanos();
        run(vdev, "set online", settings.chccwdev(), "-e", CcwBus.busId(vdev));
        settle(vdev, timeout);
        Path link = byPath(vdev);
        while (!Files.exists(link)) {
            if (System.nanoTime() - deadline >= 0) {
                throw new CcwException("device " + CcwBus.busId(vdev) + " is online but " + link + " did not appear within "
                        + timeout.toMillis() + " ms; check udev (udevadm monitor) and /proc/dasd/devices, then try again", true);
            }
            try {
                Thread.sleep(settings.pollInterval().toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CcwException("interrupted while waiting for " + link, true, e);
            }
        }
        return link;
    }

    @Override
    public void offline(Vaddr vdev) throws CcwException {
        run(vdev, "set offline", settings.chccwdev(), "-d", CcwBus.busId(vdev));
        settle(vdev, settings.commandTimeout());
    }

    @Override
    public boolean isOnline(Vaddr vdev) {
        return Files.exists(byPath(vdev));
    }

    @Override
    public Path byPath(Vaddr vdev) {
        return settings.byPathDirectory().resolve("ccw-" + CcwBus.busId(vdev));
    }

    private void settle(Vaddr vdev, Duration timeout) throws CcwException {
        long seconds = Math.max(1, Math.min(timeout.toSeconds(), settings.commandTimeout().toSeconds()));
        run(vdev, "wait for udev", settings.udevadm(), "settle", "--timeout=" + seconds);
    }

    private void run(Vaddr vdev, String step, Path tool, String... arguments) throws CcwException {
        List<String> command = new ArrayList<>();
        command.add(tool.toString());
        command.addAll(List.of(arguments));
        HostTool.Result result;
        try {
            result = HostTool.run(command, settings.commandTimeout());
        } catch (InterruptedIOException e) {
            throw new CcwException("cannot " + step + " device " + CcwBus.busId(vdev) + ": " + e.getMessage(), true, e);
        } catch (IOException e) {
            throw new CcwException("cannot " + step + " device " + CcwBus.busId(vdev) + ": cannot run " + tool + " (" + e.getMessage()
                    + "); install s390-tools and udev, or configure the tool's path", false, e);
        }
        if (!result.ok()) {
            String output = (result.stdout() + " " + result.stderr()).toLowerCase(Locale.ROOT);
            boolean missing = output.contains("not found");
            throw new CcwException("cannot " + step + " device " + CcwBus.busId(vdev) + ": " + result.describe()
                    + (missing ? "; is the minidisk linked at " + vdev + "?" : ""), !missing);
        }
    }
}
