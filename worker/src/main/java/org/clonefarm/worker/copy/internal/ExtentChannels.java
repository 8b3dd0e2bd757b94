package org.clonefarm.worker.copy.internal;

import com.sun.nio.file.ExtendedOpenOption;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.clonefarm.platform.io.Closeables;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open channels of one copy: the source (read only) and the target, each buffered and, where
 * asked, also opened with {@code O_DIRECT}; for a regular source file, its {@link FileHoles}
 * probe where the platform has one; and between two regular files, where asked, the {@link InKernelCopy}
 * descriptors for reflinks and {@code copy_file_range}. Direct I/O is used for every transfer whose file
 * position, length and buffer address are multiples of {@link #ALIGNMENT}; anything else (an unaligned
 * extent, a short last chunk) goes through the page cache. Where a file system refuses {@code O_DIRECT}
 * the copy is buffered. Thread-safe: positional reads and writes on one channel may run concurrently.
 */
final class ExtentChannels implements Closeable {
    private static final Logger LOG = LoggerFactory.getLogger(ExtentChannels.class);

    /** Alignment of direct transfers: the page size, a multiple of every logical block size in use. */
    static final int ALIGNMENT = 4096;

    final Path sourcePath;
    final Path targetPath;
    final FileChannel source;
    final FileChannel target;
    private final FileChannel sourceDirect;
    private final FileChannel targetDirect;
    private final FileHoles sourceHoles;
    private final FileHoles targetHoles;
    private final InKernelCopy inKernel;
    private final TargetPreallocation preallocation;

    private ExtentChannels(Path sourcePath, Path targetPath, FileChannel source, FileChannel target,
            FileChannel sourceDirect, FileChannel targetDirect, FileHoles sourceHoles, FileHoles targetHoles,
            InKernelCopy inKernel, TargetPreallocation preallocation) {
        this.sourcePath = sourcePath;
        this.targetPath = targetPath;
        this.source = source;
        this.target = target;
        this.sourceDirect = sourceDirect;
        this.targetDirect = targetDirect;
        this.sourceHoles = sourceHoles;
        this.targetHoles = targetHoles;
        this.inKernel = inKernel;
        this.preallocation = preallocation;
    }

    /**
     * Opens the channels; the target must exist. With {@code findSourceHoles} and {@code findTargetHoles}
     * (regular files) their holes are probed where the platform allows it. With {@code inKernel} (both
     * regular files) the in-kernel calls are opened, sharing extents only with {@code share}.
     */
    static ExtentChannels open(Path sourcePath, Path targetPath, boolean directRead, boolean directWrite,
            boolean findSourceHoles, boolean findTargetHoles, boolean inKernel, boolean share) throws IOException {
        FileChannel source = FileChannel.open(sourcePath, StandardOpenOption.READ);
        FileChannel target = null;
        FileChannel sourceDirect = null;
        try {
            target = FileChannel.open(targetPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileChannel targetDirect = null;
            if (directRead) {
                sourceDirect = openDirect(sourcePath, StandardOpenOption.READ);
            }
            if (directWrite) {
                targetDirect = openDirect(targetPath, StandardOpenOption.READ, StandardOpenOption.WRITE);
            }
            FileHoles holes = findSourceHoles ? FileHoles.open(sourcePath) : null;
            FileHoles targetHoles = findTargetHoles ? FileHoles.open(targetPath) : null;
            InKernelCopy kernel = inKernel ? InKernelCopy.open(sourcePath, targetPath, share) : null;
            // a regular target written directly: allocate holes before they are written (see TargetPreallocation)
            TargetPreallocation allocation = findTargetHoles && targetDirect != null
                    ? TargetPreallocation.open(targetPath) : null;
            return new ExtentChannels(sourcePath, targetPath, source, target, sourceDirect, targetDirect, holes,
                    targetHoles, kernel, allocation);
        } catch (IOException | RuntimeException e) {
            Closeables.closeAllAfter(e, source, target, sourceDirect);
            throw e;
        }
    }

    private static FileChannel openDirect(Path path, StandardOpenOption... modes) {
        java.nio.file.OpenOption[] options = new java.nio.file.OpenOption[modes.length + 1];
        System.arraycopy(modes, 0, options, 0, modes.length);
        options[modes.length] = ExtendedOpenOption.DIRECT;
        try {
            return FileChannel.open(path, options);
        } catch (IOException | UnsupportedOperationException e) {
            LOG.info("{}: direct I/O not available ({}); copying through the page cache", path, e.getMessage());
            return null;
        }
    }

    /** A direct buffer of {@code bytes} whose address is aligned for direct I/O. */
    static ByteBuffer alignedBuffer(int bytes) {
        return ByteBuffer.allocateDirect(bytes + ALIGNMENT).alignedSlice(ALIGNMENT).limit(bytes).slice();
    }

    /** The source's hole probe, or {@code null} when holes are not looked for (then every byte is read). */
    FileHoles sourceHoles() {
        return sourceHoles;
    }

    /** The target's hole probe, or {@code null} (a block device, or no probe here). */
    FileHoles targetHoles() {
        return targetHoles;
    }

    /** The in-kernel calls between the two files, or {@code null} (not two regular files, not asked, no JNA). */
    InKernelCopy inKernel() {
        return inKernel;
    }

    /**
     * Before a direct write of {@code length} bytes at {@code at} into a range that reads as zeros (a hole):
     * allocates it where that lets the chunks in flight be written in parallel (ext4; see
     * {@link TargetPreallocation}). Does nothing for a block device or buffered writes.
     */
    void allocateTarget(long at, long length) throws IOException {
        if (preallocation != null) {
            preallocation.allocate(at, length);
        }
    }

    /**
     * Before the first write of a copy: allocates the target ranges that mirror the source's data extents in the
     * source extent {@code [sourceFrom, sourceFrom + length)}, which goes to target offset {@code targetFrom}, where
     * the source is a sparse file ({@link TargetPreallocation#allocateDataOf}); whether it did.
     */
    boolean allocateTargetAhead(long sourceFrom, long targetFrom, long length) throws IOException {
        return preallocation != null && sourceHoles != null
                && preallocation.allocateDataOf(sourceHoles, sourceFrom, targetFrom, length);
    }

    /** Reads once at {@code at} into {@code into}; the number of bytes or -1 at the end. */
    int readSource(ByteBuffer into, long at) throws IOException {
        return pick(source, sourceDirect, into, at).read(into, at);
    }

    int readTarget(ByteBuffer into, long at) throws IOException {
        return pick(target, targetDirect, into, at).read(into, at);
    }

    int writeTarget(ByteBuffer from, long at) throws IOException {
        return pick(target, targetDirect, from, at).write(from, at);
    }

    /**
     * Makes everything written through any target channel durable: fdatasync, or fsync once a range was
     * shared (the sharing is in the file's metadata).
     */
    void forceTarget() throws IOException {
        target.force(inKernel != null && inKernel.sharedAny());
    }

    private static FileChannel pick(FileChannel buffered, FileChannel direct, ByteBuffer bytes, long at) {
        if (direct != null && at % ALIGNMENT == 0 && bytes.remaining() % ALIGNMENT == 0 && bytes.isDirect()
                && bytes.alignmentOffset(bytes.position(), ALIGNMENT) == 0) {
            return direct;
        }
        return buffered;
    }

    @Override
    public void close() throws IOException {
        Closeables.closeAll(source, target, sourceDirect, targetDirect, sourceHoles, targetHoles, inKernel,
                preallocation);
    }
}
