package org.clonefarm.worker.copy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.zip.CRC32;
import java.util.zip.CRC32C;

/** Test fixtures: random and sparse disk images, an independent digest, loop devices and shell commands. */
final class TestDisks {

    private TestDisks() {
    }

    /** A file of {@code bytes} random bytes. */
    static Path randomFile(Path path, long bytes, long seed) throws IOException {
        Random random = new Random(seed);
        byte[] block = new byte[1 << 20];
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            for (long done = 0; done < bytes; ) {
                random.nextBytes(block);
                int n = (int) Math.min(block.length, bytes - done);
                ByteBuffer buffer = ByteBuffer.wrap(block, 0, n);
                while (buffer.hasRemaining()) {
                    out.write(buffer, done + buffer.position());
                }
                done += n;
            }
        }
        return path;
    }

    /** Writes {@code bytes} random bytes at {@code offset} of an existing file. */
    static void writeRandom(Path path, long offset, int bytes, long seed) throws IOException {
        byte[] data = new byte[bytes];
        new Random(seed).nextBytes(data);
        try (FileChannel out = FileChannel.open(path, StandardOpenOption.WRITE)) {
            ByteBuffer buffer = ByteBuffer.wrap(data);
            while (buffer.hasRemaining()) {
                out.write(buffer, offset + buffer.position());
            }
        }
    }

    /** The chunk digests of the default algorithm of {@code length} bytes of {@code path} from {@code offset}. */
    static List<byte[]> chunkDigests(Path path, long offset, long length, int chunkSize) throws IOException {
        return chunkDigests(path, offset, length, chunkSize, CopyOptions.DEFAULT_DIGEST);
    }

    /**
     * The chunk digests of {@code length} bytes of {@code path} from {@code offset}, computed with plain streams
     * and byte arrays from the documented definition (SHA-256; or CRC-32C then CRC-32, each 4 bytes big-endian),
     * not with the engine's code.
     */
    static List<byte[]> chunkDigests(Path path, long offset, long length, int chunkSize, DiskDigest.Algorithm algorithm)
            throws IOException {
        List<byte[]> digests = new ArrayList<>();
        try (InputStream in = Files.newInputStream(path)) {
            in.skipNBytes(offset);
            for (long done = 0; done < length; done += chunkSize) {
                int n = (int) Math.min(chunkSize, length - done);
                byte[] chunk = in.readNBytes(n);
                if (algorithm == DiskDigest.Algorithm.SHA256) {
                    MessageDigest sha = DiskDigest.sha256();
                    sha.update(chunk);
                    digests.add(sha.digest());
                } else {
                    CRC32C castagnoli = new CRC32C();
                    castagnoli.update(chunk, 0, chunk.length);
                    CRC32 ieee = new CRC32();
                    ieee.update(chunk, 0, chunk.length);
                    digests.add(ByteBuffer.allocate(8).putInt((int) castagnoli.getValue())
                            .putInt((int) ieee.getValue()).array());
                }
            }
        }
        return digests;
    }

    /** The documented disk digest with the default algorithm, computed independently of the engine. */
    static String diskDigest(Path path, long offset, long length, int chunkSize) throws IOException {
        return diskDigest(path, offset, length, chunkSize, CopyOptions.DEFAULT_DIGEST);
    }

    /** The documented disk digest (SHA-256 over the chunk digests in order), computed independently of the engine. */
    static String diskDigest(Path path, long offset, long length, int chunkSize, DiskDigest.Algorithm algorithm)
            throws IOException {
        MessageDigest sha = DiskDigest.sha256();
        for (byte[] chunk : chunkDigests(path, offset, length, chunkSize, algorithm)) {
            sha.update(chunk);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    /** Allocated bytes of a file (st_blocks x 512). */
    static long allocatedBytes(Path path) throws IOException, InterruptedException {
        return Long.parseLong(run("stat", "-c", "%b", path.toString()).trim()) * 512;
    }

    /** Runs a command, returns its stdout; fails with its stderr when it exits non-zero. */
    static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish in 60 s");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": " + output);
        }
        return output;
    }

    /** A loop device over a backing file; {@link #close()} detaches it. */
    static final class LoopDevice implements AutoCloseable {
        final Path device;

        LoopDevice(Path backingFile) throws IOException, InterruptedException {
            this.device = Path.of(run("losetup", "--find", "--show", backingFile.toString()).trim());
        }

        @Override
        public void close() throws IOException {
            try {
                run("losetup", "-d", device.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while detaching " + device, e);
            }
        }
    }
}
