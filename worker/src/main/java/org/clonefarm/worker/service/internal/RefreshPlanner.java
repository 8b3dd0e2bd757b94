package org.clonefarm.worker.service.internal;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.clonefarm.platform.io.FileRegion;
import org.clonefarm.platform.io.LinuxFileCalls;
import org.clonefarm.proto.DiskExtent;
import org.clonefarm.worker.copy.CheckpointLayout;
import org.clonefarm.worker.copy.CheckpointStore;
import org.clonefarm.worker.copy.CopyException;
import org.clonefarm.worker.copy.DiskDigest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which chunks a refresh of a clone's disk rewrites, and prepares the disk's checkpoints so that
 * the copy engine's ordinary resume rewrites exactly those, with all its durability rules.
 *
 * <p>The clone's checkpoints (kept after its copy, keyed by {@link CloneJob#copyId}) hold, per chunk, the
 * digest of the master's bytes the clone got. A refresh:
 * <ol>
 *   <li>takes the master's chunk digests as they are now: read once per master disk and master version
 *       (the refresh command names the version) and kept in the checkpoint store under a key of their own
 *       ({@link #masterDigestsId}), so the other clones of that refresh on this worker read no master byte
 *       for them. A computation that was killed continues from the chunks it recorded.</li>
 *   <li>{@link #masterChanged}: whether any chunk's master digest differs from the clone's record. The job
 *       asks it for every disk first: when the master changed for none, the clone is left as it is, nothing
 *       is read of it or written (so a second refresh without a master change writes nothing).</li>
 *   <li>Otherwise the clone's own chunks are read (chunks in holes of the clone are not read: their
 *       digest is the digest of zeros) and compared with the record: chunks the clone changed (finalize,
 *       its own life) are rewritten too, so the disk becomes the master's bytes again and the restored
 *       finalize marker makes finalize run once more.</li>
 *   <li>The checkpoints of the chunks to rewrite are forgotten (one synced write); where the record says
 *       that part of the target read as zeros at the first copy (no longer true of a clone that ran), the
 *       layout is rewritten without that claim and the kept chunks committed again.</li>
 * </ol>
 * The caller then runs the same copy (same copy id) with resume by compare: the engine skips every
 * checkpointed chunk and copies the others, comparing first, so it writes only chunks whose bytes differ.
 * Every step is idempotent: a refresh killed anywhere and run again reaches the same end (a chunk whose
 * checkpoint is missing always counts as one to rewrite).
 *
 * <p>Contract: the master must not change while a refresh of one master version runs (the version names
 * one state of the master). Thread-safe: master digests of one id are computed by one caller at a time,
 * others wait for them.
 */
final class RefreshPlanner {
    private static final Logger LOG = LoggerFactory.getLogger(RefreshPlanner.class);
    /** Chunk digests committed per synced write while the master is read. */
    private static final int MASTER_COMMIT_CHUNKS = 64;

    private final CheckpointStore store;
    private final Map<String, Object> masterLocks = new ConcurrentHashMap<>();
    /** Chunks of one disk read at once while digesting it. */
    static final int READS_IN_FLIGHT = 4;
    /** The reads of every refresh of the worker: daemon threads, made as needed, gone when idle. */
    private final java.util.concurrent.ExecutorService reads = java.util.concurrent.Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "clonefarm-refresh-read");
        thread.setDaemon(true);
        return thread;
    });

    RefreshPlanner(CheckpointStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * What a refresh does to one disk.
     *
     * @param unchanged neither the master nor the clone changed this disk: nothing to copy
     * @param usable whether the clone's checkpoints could be used; when not, every chunk is compared
     * @param rewrite the chunk indexes whose checkpoints were forgotten (to be copied again)
     * @param chunks chunks of the disk
     * @param recorded the clone's checkpoints when unchanged, else null
     */
    record Plan(boolean unchanged, boolean usable, List<Long> rewrite, long chunks, CheckpointStore.CheckpointedCopy recorded) {
    }

    /** Thrown when the refresh was asked to stop while reading. */
    static final class Stopped extends Exception {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("refresh stopped", null, false, false);
        }
    }

    /**
     * The checkpoint key of a master disk's chunk digests at one version: {@code master-} and 20 hex
     * digits of the SHA-256 of the source's owner, vaddr, volume, offset and length, the version, the
     * chunk size and the digest algorithm.
     */
    static String masterDigestsId(DiskExtent source, String masterVersion, int chunkSize, DiskDigest.Algorithm digest) {
        String text = source.getOwner() + " " + source.getVaddr() + "\n" + source.getVolser() + "@" + source.getByteOffset()
                + "+" + source.getByteLength() + "\n" + masterVersion + "\n" + chunkSize + "\n" + digest.id();
        return "master-" + HexFormat.of().formatHex(DiskDigest.sha256().digest(text.getBytes(StandardCharsets.UTF_8)), 0, 10);
    }

    /**
     * The clone's checkpoints of its copy, when a refresh can use them: a copy here of the same length, in
     * chunks of the size and digest algorithm the worker copies with now. Empty otherwise (never copied here,
     * FLASHCOPY, another chunking): then every chunk of the disk is compared.
     */
    Optional<CheckpointStore.CheckpointedCopy> recorded(String copyId, long length, int chunkSize,
            DiskDigest.Algorithm digest) throws CopyException {
        Optional<CheckpointStore.CheckpointedCopy> loaded = store.load(copyId);
        if (loaded.isEmpty()) {
            return loaded;
        }
        CheckpointLayout layout = loaded.get().layout();
        if (layout.bytesTotal() != length || layout.chunkSize() != chunkSize || layout.digest() != digest) {
            return Optional.empty();
        }
        return loaded;
    }

    /**
     * Whether the master disk differs now, at {@code masterVersion}, from what the clone got (a chunk
     * digest differs, or a chunk of the clone has no checkpoint); true when the clone has no usable
     * checkpoints. Reads the master only for the first clone of a version (see the class comment).
     */
    boolean masterChanged(String copyId, DiskExtent sourceExtent, FileRegion source, String masterVersion,
            int chunkSize, DiskDigest.Algorithm digest, BooleanSupplier stop) throws CopyException, IOException, Stopped {
        Optional<CheckpointStore.CheckpointedCopy> recorded = recorded(copyId, sourceExtent.getByteLength(), chunkSize,
                digest);
        if (recorded.isEmpty()) {
            return true;
        }
        return !masterChangedChunks(recorded.get(), masterDigests(sourceExtent, source, masterVersion,
                recorded.get().layout(), stop)).isEmpty();
    }

    private static List<Long> masterChangedChunks(CheckpointStore.CheckpointedCopy recorded, NavigableMap<Long, byte[]> master) {
        List<Long> changed = new ArrayList<>();
        for (long i = 0; i < recorded.layout().chunkCount(); i++) {
            byte[] had = recorded.chunkDigests().get(i);
            if (had == null || !Arrays.equals(had, master.get(i))) {
                changed.add(i);
            }
        }
        return changed;
    }

    /**
     * Prepares the refresh of one disk of a clone whose master changed (see the class comment): forgets
     * the checkpoints of the chunks to rewrite, and says which.
     *
     * @param copyId the clone disk's checkpoint key
     * @param source the master disk's bytes as attached; target the clone's
     * @param stop asked between chunks; true stops with {@link Stopped}
     */
    Plan prepare(String copyId, DiskExtent sourceExtent, FileRegion source, FileRegion target, String masterVersion,
            int chunkSize, DiskDigest.Algorithm digest, BooleanSupplier stop) throws CopyException, IOException, Stopped {
        long length = sourceExtent.getByteLength();
        Optional<CheckpointStore.CheckpointedCopy> usable = recorded(copyId, length, chunkSize, digest);
        if (usable.isEmpty()) {
            LOG.info("refresh of {}: no usable checkpoints of its copy here; every chunk is compared", copyId);
            store.delete(copyId);
            long chunks = (length + chunkSize - 1) / chunkSize;
            return new Plan(false, false, List.of(), chunks, null);
        }
        CheckpointStore.CheckpointedCopy recorded = usable.get();
        CheckpointLayout layout = recorded.layout();
        long chunks = layout.chunkCount();
        List<Long> masterChanged = masterChangedChunks(recorded,
                masterDigests(sourceExtent, source, masterVersion, layout, stop));
        List<Long> cloneChanged = cloneChanged(target, layout, recorded.chunkDigests(), masterChanged, stop);
        List<Long> rewrite = new ArrayList<>(masterChanged);
        rewrite.addAll(cloneChanged);
        rewrite.sort(null);
        if (rewrite.isEmpty()) {
            return new Plan(true, true, List.of(), chunks, recorded);
        }
        if (layout.zeroFrom() < layout.bytesTotal()) {
            // the first copy's "the target reads as zeros from here" is not true of a clone that ran:
            // keep the chunks, drop the claim (a crash between the two writes only loses checkpoints: compare)
            TreeMap<Long, byte[]> kept = new TreeMap<>(recorded.chunkDigests());
            rewrite.forEach(kept::remove);
            store.begin(copyId, new CheckpointLayout(layout.chunkSize(), layout.bytesTotal(), CheckpointLayout.NOT_ZERO,
                    layout.digest()));
            store.commit(copyId, kept);
        } else {
            store.forget(copyId, rewrite);
        }
        LOG.info("refresh of {}: {} of {} chunks to rewrite ({} changed in the master, {} by the clone)", copyId,
                rewrite.size(), chunks, masterChanged.size(), cloneChanged.size());
        return new Plan(false, true, List.copyOf(rewrite), chunks, null);
    }

    /** The master's chunk digests at {@code masterVersion}, computed once per id and kept in the store. */
    private NavigableMap<Long, byte[]> masterDigests(DiskExtent sourceExtent, FileRegion source, String masterVersion,
            CheckpointLayout layout, BooleanSupplier stop) throws CopyException, IOException, Stopped {
        String id = masterDigestsId(sourceExtent, masterVersion, layout.chunkSize(), layout.digest());
        synchronized (masterLocks.computeIfAbsent(id, k -> new Object())) {
            CheckpointLayout masterLayout = new CheckpointLayout(layout.chunkSize(), layout.bytesTotal(),
                    CheckpointLayout.NOT_ZERO, layout.digest());
            Optional<CheckpointStore.CheckpointedCopy> known = store.load(id);
            TreeMap<Long, byte[]> digests = new TreeMap<>();
            if (known.isPresent() && known.get().layout().equals(masterLayout)) {
                digests.putAll(known.get().chunkDigests());
            } else {
                store.begin(id, masterLayout);
            }
            if (digests.size() < masterLayout.chunkCount()) {
                LOG.info("reading master disk {} {} for its chunk digests at version {} ({} of {} chunks known)",
                        sourceExtent.getOwner(), sourceExtent.getVaddr(), masterVersion, digests.size(),
                        masterLayout.chunkCount());
                List<Long> missing = new ArrayList<>();
                for (long i = 0; i < masterLayout.chunkCount(); i++) {
                    if (!digests.containsKey(i)) {
                        missing.add(i);
                    }
                }
                TreeMap<Long, byte[]> pending = new TreeMap<>();
                readDigests(source, masterLayout, missing, stop, (index, digest) -> {
                    digests.put(index, digest);
                    pending.put(index, digest);
                    if (pending.size() >= MASTER_COMMIT_CHUNKS) {
                        store.commit(id, pending);
                        pending.clear();
                    }
                });
                store.commit(id, pending);
            }
            return digests;
        }
    }

    /** Chunks not in {@code skip} whose bytes on the clone differ from {@code recorded}. */
    private List<Long> cloneChanged(FileRegion target, CheckpointLayout layout, NavigableMap<Long, byte[]> recorded,
            List<Long> skip, BooleanSupplier stop) throws IOException, CopyException, Stopped {
        java.util.Set<Long> skipped = new java.util.HashSet<>(skip);
        List<Long> read = new ArrayList<>();
        for (long i = 0; i < layout.chunkCount(); i++) {
            if (!skipped.contains(i)) {
                read.add(i);
            }
        }
        List<Long> changed = new ArrayList<>();
        readDigests(target, layout, read, stop, (index, digest) -> {
            if (!Arrays.equals(digest, recorded.get(index))) {
                changed.add(index);
            }
        });
        return changed;
    }

    private interface DigestSink {
        void accept(long index, byte[] digest) throws CopyException;
    }

    /**
     * Reads the chunks {@code indexes} (ascending) of {@code region} and gives each one's digest, in index order,
     * on the calling thread; a chunk that lies wholly in a hole of a regular file is not read (its digest is that
     * of zeros). {@link #READS_IN_FLIGHT} chunks are read at once, with direct I/O where the region is aligned
     * (the clone's bytes are read once and need no page cache; the device gets a queue of reads).
     */
    private void readDigests(FileRegion region, CheckpointLayout layout, List<Long> indexes, BooleanSupplier stop,
            DigestSink sink) throws IOException, CopyException, Stopped {
        if (indexes.isEmpty()) {
            return;
        }
        int chunkSize = layout.chunkSize();
        byte[][] zeroDigests = new byte[2][];
        int fd = -1;
        boolean regular = java.nio.file.Files.isRegularFile(region.path());
        if (regular && LinuxFileCalls.available()) {
            fd = LinuxFileCalls.open(region.path(), LinuxFileCalls.O_RDONLY | LinuxFileCalls.O_CLOEXEC);
        }
        int align = 4096;
        FileChannel direct = null;
        if (region.offset() % align == 0 && chunkSize % align == 0) {
            try {
                direct = FileChannel.open(region.path(), StandardOpenOption.READ, com.sun.nio.file.ExtendedOpenOption.DIRECT);
            } catch (IOException | UnsupportedOperationException e) {
                direct = null; // the file system cannot read directly (tmpfs): through the page cache
            }
        }
        ByteBuffer[] buffers = new ByteBuffer[READS_IN_FLIGHT];
        for (int b = 0; b < buffers.length; b++) {
            buffers[b] = ByteBuffer.allocateDirect(chunkSize + align).alignedSlice(align);
        }
        try (FileChannel buffered = FileChannel.open(region.path(), StandardOpenOption.READ)) {
            FileChannel channel = direct != null ? direct : buffered;
            long fileSize = buffered.size();
            long nextData = -1; // the next data offset at or after the last probe, in file offsets
            List<java.util.concurrent.Future<byte[]>> window = new ArrayList<>();
            List<Long> windowIndexes = new ArrayList<>();
            for (int n = 0; n < indexes.size(); n++) {
                if (stop.getAsBoolean()) {
                    drain(window);
                    throw new Stopped();
                }
                long index = indexes.get(n);
                long offset = index * chunkSize;
                int length = (int) Math.min(chunkSize, layout.bytesTotal() - offset);
                long start = region.offset() + offset;
                java.util.concurrent.Future<byte[]> digest;
                if (fd >= 0 && start + length <= fileSize && nextData < start) {
                    nextData = dataFrom(fd, start, fileSize);
                }
                if (fd >= 0 && start + length <= fileSize && nextData >= start + length) {
                    digest = java.util.concurrent.CompletableFuture.completedFuture(
                            zeroDigest(layout.digest(), length, chunkSize, zeroDigests));
                } else {
                    ByteBuffer buffer = buffers[window.size()];
                    boolean aligned = channel == direct && length % align == 0;
                    FileChannel from = aligned ? direct : buffered;
                    digest = reads.submit(() -> {
                        buffer.clear().limit(length);
                        while (buffer.hasRemaining()) {
                            if (from.read(buffer, start + buffer.position()) < 0) {
                                // past the end of a file reads as zeros (a target file shorter than its extent)
                                while (buffer.hasRemaining()) {
                                    buffer.put((byte) 0);
                                }
                            }
                        }
                        buffer.flip();
                        return layout.digest().chunkDigest(buffer);
                    });
                }
                window.add(digest);
                windowIndexes.add(index);
                if (window.size() == READS_IN_FLIGHT || n == indexes.size() - 1) {
                    for (int w = 0; w < window.size(); w++) {
                        sink.accept(windowIndexes.get(w), await(window.get(w), region));
                    }
                    window.clear();
                    windowIndexes.clear();
                }
            }
        } finally {
            if (direct != null) {
                direct.close();
            }
            if (fd >= 0) {
                LinuxFileCalls.close(fd);
            }
        }
    }

    private static void drain(List<java.util.concurrent.Future<byte[]>> window) {
        for (java.util.concurrent.Future<byte[]> read : window) {
            try {
                read.get();
            } catch (java.util.concurrent.ExecutionException e) {
                // stopping anyway
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private static byte[] await(java.util.concurrent.Future<byte[]> read, FileRegion region) throws IOException {
        try {
            return read.get();
        } catch (java.util.concurrent.ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot read " + region.path() + ": " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while reading " + region.path(), e);
        }
    }

    /** The first data offset at or after {@code offset}, or {@code fileSize} when only a hole follows. */
    private static long dataFrom(int fd, long offset, long fileSize) throws IOException {
        try {
            return LinuxFileCalls.lseek(fd, offset, LinuxFileCalls.SEEK_DATA);
        } catch (LinuxFileCalls.ErrnoException e) {
            if (e.errno() == LinuxFileCalls.ENXIO) {
                return fileSize;
            }
            return offset; // the file system cannot say: read it
        }
    }

    private static byte[] zeroDigest(DiskDigest.Algorithm algorithm, int length, int chunkSize, byte[][] cache) {
        int slot = length == chunkSize ? 0 : 1;
        if (cache[slot] == null || slot == 1) {
            cache[slot] = algorithm.chunkDigest(ByteBuffer.allocate(length));
        }
        return cache[slot];
    }
}
