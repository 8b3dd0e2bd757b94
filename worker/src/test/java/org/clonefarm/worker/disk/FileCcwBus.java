package org.clonefarm.worker.disk;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.clonefarm.platform.cp.CcwBus;
import org.clonefarm.platform.ids.Vaddr;

/**
 * The Linux side of a worker guest for tests on x86, where no ccw device exists: a device set online gets
 * its by-path link ({@code <dir>/ccw-0.0.vdev}) to the plain file holding the minidisk linked at that
 * vdev in the {@link FakeZvm}; offline removes it. A vdev nothing is linked at cannot come online
 * ("not found", like chccwdev). {@link #failOnline} makes a minidisk's online step fail as chccwdev
 * would. Test code; thread-safe.
 */
public final class FileCcwBus implements CcwBus {
    private final FakeZvm zvm;
    private final Path byPathDirectory;
    private final Map<String, Boolean> failOnline = new ConcurrentHashMap<>();
    private final List<String> calls = new CopyOnWriteArrayList<>();

    public FileCcwBus(FakeZvm zvm, Path byPathDirectory) throws IOException {
        this.zvm = zvm;
        this.byPathDirectory = byPathDirectory;
        Files.createDirectories(byPathDirectory);
    }

    /** Setting the device of minidisk {@code owner vaddr} online fails from now on. */
    public void failOnline(String owner, String vaddr, boolean retryable) {
        failOnline.put(owner + " " + vaddr, retryable);
    }

    /** {@code unignore VDEV}, {@code online VDEV}, {@code offline VDEV}, in call order. */
    public List<String> calls() {
        return List.copyOf(calls);
    }

    @Override
    public void unignore(Vaddr vdev) {
        calls.add("unignore " + vdev.value());
    }

    @Override
    public Path online(Vaddr vdev, Duration timeout) throws CcwException {
        calls.add("online " + vdev.value());
        Optional<String> disk;
        try {
            disk = zvm.linkedAt(vdev.value());
        } catch (IOException e) {
            throw new CcwException("chccwdev -e " + CcwBus.busId(vdev) + ": " + e, true, e);
        }
        if (disk.isEmpty()) {
            throw new CcwException("chccwdev -e " + CcwBus.busId(vdev) + ": Device " + CcwBus.busId(vdev) + " not found",
                    false);
        }
        Boolean retryable = failOnline.get(disk.get());
        if (retryable != null) {
            throw new CcwException("chccwdev -e " + CcwBus.busId(vdev) + ": Failed to set device " + CcwBus.busId(vdev)
                    + " online: Device or resource busy", retryable);
        }
        String[] ownerVaddr = disk.get().split(" ");
        Path link = byPath(vdev);
        try {
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, zvm.fileOf(ownerVaddr[0], ownerVaddr[1]));
        } catch (IOException e) {
            throw new CcwException("cannot create " + link + ": " + e, true, e);
        }
        return link;
    }

    @Override
    public void offline(Vaddr vdev) throws CcwException {
        calls.add("offline " + vdev.value());
        try {
            Files.deleteIfExists(byPath(vdev));
        } catch (IOException e) {
            throw new CcwException("chccwdev -d " + CcwBus.busId(vdev) + ": " + e, true, e);
        }
    }

    @Override
    public boolean isOnline(Vaddr vdev) {
        return Files.isSymbolicLink(byPath(vdev));
    }

    @Override
    public Path byPath(Vaddr vdev) {
        return byPathDirectory.resolve("ccw-" + CcwBus.busId(vdev));
    }
}
